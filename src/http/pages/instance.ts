import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { loadInstanceFacts } from '../../presenters/instance.ts';
import { loadLocalTimeline, loadTrends } from '../../presenters/public-pages.ts';
import { renderPublicDomainBlock } from '../../serializers/domain-block.ts';
import { moderatedServers } from '../../services/instance/moderated-servers.ts';
import { currentSession } from '../plugins/session.ts';
import { plainToHtml } from '../../services/statuses/text/plain-to-html.ts';
import { SafeHtml } from '../views/html.ts';
import { privacyPolicy } from '../../services/instance/privacy-policy.ts';
import { privacyPolicyHtml } from '../../serializers/privacy-policy.ts';
import { aboutPage, explorePage, landingPage, privacyPolicyPage } from '../views/public/instance-pages.ts';
import { loadSite, maxIdOf, sendHtml, sentToSignIn } from './site.ts';

/** `/`, `/about`, `/privacy-policy` and `/explore`: the instance, as Mastodon shows it to visitors. */
export function instancePageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/', async (request, reply) => {
    if (await sentToSignIn(ctx, request, reply)) return reply;
    const site = await loadSite(ctx);
    const timeline = site.settings.timeline_preview ? await loadLocalTimeline(ctx, { maxId: maxIdOf(request), limit: 20 }) : null;
    return sendHtml(reply, landingPage(site, { timeline }));
  });

  app.get('/about', async (request, reply) => {
    // what /api/v1/instance/domain_blocks shows this visitor: signed in or not, as show_domain_blocks says
    const [site, facts, moderated] = await Promise.all([loadSite(ctx), loadInstanceFacts(ctx), currentSession(ctx, request).then((session) => moderatedServers(ctx, !!session))]);
    const domainBlocks = moderated ? moderated.blocks.map((block) => renderPublicDomainBlock(block, moderated.withComment)) : null;
    const contact = facts.contact ? { acct: facts.contact.account.username, url: `${site.base}/@${facts.contact.account.username}` } : null;
    return sendHtml(
      reply,
      aboutPage(site, {
        extendedDescription: new SafeHtml(site.settings.site_extended_description.trim() ? plainToHtml(site.settings.site_extended_description) : ''),
        contactEmail: site.settings.site_contact_email,
        contactAccount: contact,
        rules: facts.rules,
        domainBlocks,
        registrationsMessage: facts.registrationsMessage,
      }),
    );
  });

  app.get('/privacy-policy', async (_request, reply) => {
    const [site, policy] = await Promise.all([loadSite(ctx), privacyPolicy(ctx)]);
    return sendHtml(reply, privacyPolicyPage(site, new SafeHtml(privacyPolicyHtml(policy, ctx.config)), policy.updatedAt));
  });

  app.get('/explore', async (request, reply) => {
    if (await sentToSignIn(ctx, request, reply)) return reply;
    const [site, trends] = await Promise.all([loadSite(ctx), loadTrends(ctx)]);
    return sendHtml(reply, explorePage(site, trends));
  });
}
