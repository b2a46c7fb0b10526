import { accountPage } from '../../account-pages.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { blockedAccounts, endorsedAccounts, mutedAccounts } from '../../../services/relationships/account-relation-pages.ts';
import { blockDomain, blockedDomains, domainBlockPreview, normalizeDomain, unblockDomain } from '../../../services/relationships/domain-blocks.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

/** `GET /api/v1/blocks`, `/mutes`, `/endorsements` and the member's `/domain_blocks`. */
export function blocksMutesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/blocks', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await blockedAccounts(ctx, account.id, pageRequest(request, 40, 80));
    return await accountPage(ctx, request, reply, entries);
  });

  app.get('/api/v1/mutes', { preHandler: authorize({ scopes: ['read:mutes'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await mutedAccounts(ctx, account.id, pageRequest(request, 40, 80));
    const rendered = await accountPage(ctx, request, reply, entries);
    return rendered.map((account, i) => ({ ...account, mute_expires_at: entries[i]!.muteExpiresAt?.toISOString() ?? null }));
  });

  app.get('/api/v1/endorsements', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await endorsedAccounts(ctx, account.id, pageRequest(request, 40, 80));
    return await accountPage(ctx, request, reply, entries);
  });

  app.get('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const blocks = await blockedDomains(ctx, account.id, pageRequest(request, 100, 200));
    setLinkHeader(ctx.config, request, reply, blocks);
    return blocks.map((block) => block.domain);
  });

  /** What blocking a domain would sever: the member's follows of accounts there and followers from there. */
  app.get('/api/v1/domain_blocks/preview', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const domain = normalizeDomain(text(params(request).domain) ?? '');
    const preview = await domainBlockPreview(ctx, account.id, domain);
    return { following_count: preview.followingCount, followers_count: preview.followersCount };
  });

  app.post('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    await blockDomain(ctx, account.id, text(params(request).domain) ?? '');
    return {};
  });

  app.delete('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    await unblockDomain(ctx, account.id, text(params(request).domain) ?? '');
    return {};
  });
}
