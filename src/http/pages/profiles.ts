import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { federationCode } from '../federation-code.ts';
import { loadAccountFeed, loadProfilePage, loadStatus, loadThread } from '../../presenters/public-pages.ts';
import { lookupAccount, type VisibleAccount } from '../../services/accounts/account-lookup.ts';
import { findVisibleStatus } from '../../services/statuses/visibility.ts';
import { allowFraming } from '../plugins/security-headers.ts';
import { profilePage } from '../views/public/profile-page.ts';
import { rssFeed } from '../views/public/rss.ts';
import { embedPage, threadPage } from '../views/public/status-page.ts';
import { loadSite, maxIdOf, type Site, sendErrorPage, sendHtml, sentToSignIn, wantsActivityPub } from './site.ts';

/** Mastodon's AccountOwnedConcern: a suspended account's pages answer 403 while its data is kept (deleted accounts are gone: 404). */
function suspended(reply: FastifyReply, site: Site) {
  reply.header('cache-control', 'public, max-age=180');
  return sendErrorPage(reply, site, 403, 'Account suspended', 'This account has been suspended.');
}

/** The account a `/@…` path names: `user` or `user@domain`. */
async function accountOf(ctx: AppContext, handle: string): Promise<VisibleAccount | undefined> {
  return handle ? lookupAccount(ctx, handle) : undefined;
}

/**
 * A remote account's or status's `/@user@domain` path: Mastodon's PermalinkRedirector sends
 * visitors to where it lives (its web client shows it to members; there is none here yet).
 */
const remoteLocation = (item: { url: string | null; uri: string }) => item.url ?? item.uri;

async function profile(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, handle: string) {
  const found = await accountOf(ctx, handle);
  if (!found) return reply.callNotFound();
  const { account } = found;
  if (account.domain) return reply.redirect(remoteLocation(account), 302);
  const site = await loadSite(ctx);
  if (account.suspendedAt) return suspended(reply, site);
  const path = `/@${account.username}`;
  // `/@Alice`, `/@alice@this.domain`: to the one URL of the profile, its query kept
  if (handle !== account.username) {
    const query = request.url.indexOf('?');
    return reply.redirect(query === -1 ? path : `${path}${request.url.slice(query)}`, 301);
  }
  const maxId = maxIdOf(request);
  const data = await loadProfilePage(ctx, account, { maxId, limit: 20 });
  return sendHtml(reply, profilePage(site, ctx.config.localDomain, data, { path, paginated: !!maxId }));
}

/** `/@user.rss` (AccountsController's RSS): the latest public and unlisted posts, no boosts, no replies to others. */
async function profileFeed(ctx: AppContext, reply: FastifyReply, username: string) {
  const found = await accountOf(ctx, username);
  if (!found || found.account.domain) return reply.callNotFound();
  const site = await loadSite(ctx);
  if (found.account.suspendedAt) return suspended(reply, site);
  const { account, statuses, files } = await loadAccountFeed(ctx, found.account);
  const channel = {
    title: account.display_name || account.username,
    description: `Public posts from @${account.username}@${ctx.config.localDomain}`,
    link: account.url,
    self: `${site.base}/@${account.username}.rss`,
    image: account.avatar_static,
  };
  return reply
    .header('cache-control', 'public, max-age=60')
    .type('application/rss+xml; charset=utf-8')
    .send(rssFeed(channel, statuses, files));
}

/** The status a `/@user/:id` path names, if a visitor may see it and it is that account's. */
async function statusOf(ctx: AppContext, handle: string, id: string) {
  const found = await accountOf(ctx, handle);
  if (!found) return undefined;
  const status = await findVisibleStatus(ctx, id, null);
  if (!status || status.accountId !== found.account.id) return { account: found.account, status: undefined };
  return { account: found.account, status };
}

export function profilePageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/@:username', async (request, reply) => {
    const { username } = request.params as { username: string };
    if (!wantsActivityPub(request) && (await sentToSignIn(ctx, request, reply))) return reply;
    if (username.endsWith('.rss')) return profileFeed(ctx, reply, username.slice(0, -'.rss'.length));
    reply.header('vary', 'Accept');
    if (wantsActivityPub(request)) {
      const { findLocalActorAccount } = await federationCode();
      const account = await findLocalActorAccount(ctx, username);
      return account ? reply.redirect(account.uri, 301) : reply.callNotFound();
    }
    return profile(ctx, request, reply, username);
  });

  app.get('/@:username/:id', async (request, reply) => {
    const { username, id } = request.params as { username: string; id: string };
    reply.header('vary', 'Accept');
    if (wantsActivityPub(request)) {
      const { findLocalStatus, isPubliclyServed } = await federationCode();
      const found = await findLocalStatus(ctx, `users/${username}`, id);
      const uri = found?.status.uri;
      if (!found || !uri || found.status.reblogOfId || !isPubliclyServed(found.status.visibility)) return reply.callNotFound();
      return reply.redirect(uri, 301);
    }
    if (await sentToSignIn(ctx, request, reply)) return reply;
    const found = await statusOf(ctx, username, id);
    if (!found?.status) return reply.callNotFound();
    const { account, status } = found;
    if (account.domain) return reply.redirect(status.url ?? status.uri ?? remoteLocation(account), 302);
    const site = await loadSite(ctx);
    if (account.suspendedAt) return suspended(reply, site);
    // StatusesController#redirect_to_original: a boost's page is its original's
    if (status.reblogOfId) {
      const original = await findVisibleStatus(ctx, status.reblogOfId, null);
      if (!original) return reply.callNotFound();
      return reply.redirect((await loadStatus(ctx, original)).url ?? original.uri ?? '/', 301);
    }
    return sendHtml(reply, threadPage(site, await loadThread(ctx, status)));
  });

  // StatusesController#embed: public and unlisted originals only, framable by any site
  app.get('/@:username/:id/embed', async (request, reply) => {
    const { username, id } = request.params as { username: string; id: string };
    if (await sentToSignIn(ctx, request, reply)) return reply;
    const found = await statusOf(ctx, username, id);
    if (!found?.status || found.account.domain || found.account.suspendedAt || found.status.reblogOfId) return reply.callNotFound();
    const site = await loadSite(ctx);
    allowFraming(reply);
    reply.header('cache-control', 'public, max-age=180');
    return sendHtml(reply, embedPage(site, await loadStatus(ctx, found.status)));
  });
}
