import { renderAccountRows } from '../../../presenters/accounts.ts';
import { accountPage } from '../../account-pages.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderStatuses } from '../../../presenters/statuses.ts';
import { endorsedAccounts, familiarFollowers, followersOrFollowing } from '../../../services/relationships/account-relation-pages.ts';
import { accountStatuses } from '../../../services/statuses/account-statuses.ts';
import { featuredTagsOf } from '../../../services/statuses/featured-tags.ts';
import { listsHolding } from '../../../services/relationships/lists.ts';
import { renderList } from '../../../serializers/list.ts';
import { rowId } from '../../../lib/ids.ts';
import { searchAccounts } from '../../../services/search/accounts.ts';
import { renderFeaturedTags } from '../../../presenters/tags.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { listEntries } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { targetAccount } from './account-actions.ts';
import { isBlocking } from '../../../services/statuses/status-interaction-helpers.ts';

function idList(value: unknown): string[] {
  return [
    ...new Set(
      listEntries(value)
        .map((v) => text(v))
        .map(rowId)
        .filter((id): id is string => !!id),
    ),
  ];
}

/** Followers, following and the other per-account collections and lookups. */
export function accountCollectionRoutes(app: FastifyInstance, ctx: AppContext) {
  for (const kind of ['followers', 'following'] as const) {
    app.get(`/api/v1/accounts/:id/${kind}`, { preHandler: authorizeIfToken(['read:accounts']) }, async (request, reply) => {
      const account = await targetAccount(ctx, request);
      const viewerId = viewerOf(request);
      const page = pageRequest(request, 40, 80);
      const hidden = !!account.suspendedAt || (account.hideCollections === true && viewerId !== account.id) || (viewerId !== null && (await isBlocking(ctx, account.id, viewerId)));
      if (hidden) return [];
      const entries = await followersOrFollowing(ctx, kind, account.id, viewerId, page);
      return await accountPage(ctx, request, reply, entries);
    });
  }

  app.get('/api/v1/accounts/:id/endorsements', { preHandler: authorizeIfToken(['read:accounts']) }, async (request, reply) => {
    const account = await targetAccount(ctx, request);
    const viewerId = viewerOf(request);
    if (account.suspendedAt || (viewerId !== null && (await isBlocking(ctx, account.id, viewerId)))) return [];
    const entries = await endorsedAccounts(ctx, account.id, pageRequest(request, 40, 80));
    return await accountPage(ctx, request, reply, entries);
  });

  // identity proofs were removed from Mastodon (3.5); the route stays and always answers an empty list
  app.get('/api/v1/accounts/:id/identity_proofs', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    await targetAccount(ctx, request);
    return [];
  });

  app.get('/api/v1/accounts/familiar_followers', { preHandler: authorize({ scopes: ['read:follows'], user: true }) }, async (request) => {
    const { account: viewer } = currentUser(request);
    const ids = idList(params(request).id).slice(0, 40);
    const { targets, followers } = await familiarFollowers(ctx, viewer.id, ids);
    const accounts = new Map((await renderAccountRows(ctx, followers)).map((account) => [account.id, account]));
    return targets.map((target) => ({
      id: target.id,
      accounts: target.followerIds.flatMap((id) => {
        const account = accounts.get(id);
        return account ? [account] : [];
      }),
    }));
  });

  app.get('/api/v1/accounts/:id/lists', { preHandler: authorize({ scopes: ['read:lists'], user: true }) }, async (request) => {
    const { account: viewer } = currentUser(request);
    const account = await targetAccount(ctx, request);
    return (await listsHolding(ctx, viewer.id, account.id)).map(renderList);
  });

  app.get('/api/v1/accounts/:id/featured_tags', { preHandler: authorizeIfToken(['read:accounts']) }, async (request) => {
    const account = await targetAccount(ctx, request);
    if (account.suspendedAt) return [];
    const rows = await featuredTagsOf(ctx, account.id);
    const rendered = await renderFeaturedTags(ctx, account, rows);
    // most used first, as Mastodon lists them
    return rendered.sort((a, b) => Number(b.statuses_count) - Number(a.statuses_count) || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
  });

  app.get('/api/v1/accounts/search', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    const { account: viewer } = currentUser(request);
    const input = params(request);
    const rawLimit = text(input.limit);
    const rawOffset = text(input.offset);
    const limit = rawLimit && /^\d+$/.test(rawLimit) ? Math.min(Math.max(Number(rawLimit), 1), 80) : 40;
    const offset = rawOffset && /^\d+$/.test(rawOffset) ? Math.min(Number(rawOffset), Number.MAX_SAFE_INTEGER) : 0;
    const found = await searchAccounts(ctx, viewer.id, text(input.q) ?? '', { limit, offset, following: railsBoolean(input.following) === true });
    return await renderAccountRows(ctx, found);
  });

  app.get('/api/v1/accounts/:id/statuses', { preHandler: authorizeIfToken(['read:statuses']) }, async (request, reply) => {
    const account = await targetAccount(ctx, request);
    const viewerId = viewerOf(request);
    const input = params(request);
    const page = pageRequest(request, 20, 40);
    if (account.suspendedAt) return [];
    if (viewerId && viewerId !== account.id && (await isBlocking(ctx, account.id, viewerId))) return [];
    const tagged = text(input.tagged)?.trim().replace(/^#/, '');
    const filter = {
      pinned: railsBoolean(input.pinned) === true,
      excludeReplies: railsBoolean(input.exclude_replies) === true,
      excludeReblogs: railsBoolean(input.exclude_reblogs) === true,
      onlyMedia: railsBoolean(input.only_media) === true,
      tagged: tagged || undefined,
    };
    const ordered = await accountStatuses(ctx, account.id, viewerId, filter, page);
    setLinkHeader(ctx.config, request, reply, ordered);
    return renderStatuses(ctx, ordered, { viewerId });
  });
}
