import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeInstanceV1 } from '../../../serializers/instance.ts';
import { instancePeers } from '../../../services/instance/instance.ts';
import { loadInstanceFacts } from '../../../presenters/instance.ts';
import { blockedDomains } from '../../../services/relationships/block-domain.ts';
import { moderatedServers } from '../../../services/instance/moderated-servers.ts';
import { renderPublicDomainBlock } from '../../../serializers/domain-block.ts';
import { domainVariants } from '../../../services/moderation/instance-domain-blocks.ts';
import { ApiError } from '../../../lib/errors.ts';
import { authorizeIfToken } from '../../plugins/auth.ts';
import { supportedLanguages } from '../../../services/statuses/languages.ts';
import { instanceRules } from '../../../services/instance/rules.ts';
import { serializeRule } from '../../../serializers/rule.ts';

/** The same for everyone, and polled by apps: shared caches may keep it for 3 minutes, as Mastodon allows. */
const PUBLIC_CACHE = 'public, max-age=180';

export function instanceV1Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/instance', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return serializeInstanceV1(await loadInstanceFacts(ctx));
  });

  app.get('/api/v1/instance/rules', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return (await instanceRules(ctx)).map(serializeRule);
  });

  app.get('/api/v1/instance/languages', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return supportedLanguages();
  });

  // Mastodon's PeersController: not served in limited federation mode; blocked domains left out (Instance.searchable)
  app.get('/api/v1/instance/peers', async (_request, reply) => {
    if (ctx.config.limitedFederationMode) throw new ApiError(404, 'Record not found');
    reply.header('cache-control', PUBLIC_CACHE);
    const blocked = await blockedDomains(ctx);
    return (await instancePeers(ctx)).filter((domain) => !domainVariants(domain).some((variant) => blocked.has(variant)));
  });

  // Api::V1::Instances::DomainBlocksController: the moderated servers (silenced and suspended), 404 unless shown
  app.get('/api/v1/instance/domain_blocks', { preHandler: authorizeIfToken(['read']) }, async (request, reply) => {
    const signedIn = !!request.auth?.user;
    const shown = await moderatedServers(ctx, signedIn);
    if (!shown) throw new ApiError(404, 'Record not found');
    if (!signedIn) reply.header('cache-control', PUBLIC_CACHE);
    return shown.blocks.map((block) => renderPublicDomainBlock(block, shown.withComment));
  });
}
