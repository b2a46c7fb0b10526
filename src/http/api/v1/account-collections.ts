import { renderAccountRows } from '../../../services/entities.ts';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { queryRows } from '../../../db/index.ts';
import { featuredTags, statuses } from '../../../db/schema.ts';
import { renderStatuses } from '../../../presenters/statuses.ts';
import { accountsInOrder, accountsThroughRelation } from '../../../services/account-pages.ts';
import { finishPage, pageOrder, pageCondition } from '../../../services/pagination.ts';
import { rowId } from '../../../lib/ids.ts';
import { searchAccounts } from '../../../services/search.ts';
import { renderFeaturedTags } from '../../../services/tag-entities.ts';
import { notHiddenFrom, reblogOriginals, visibleTo } from '../../../services/visibility.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { targetAccount } from './account-actions.ts';
import { notExcludedBy } from '../../../services/account-suggestions.ts';
import { isBlocking } from '../../../services/status-interaction-helpers.ts';

function idList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : value === undefined ? [] : [value];
  return [...new Set(list.map((v) => text(v)).map(rowId).filter((id): id is string => !!id))];
}

/** Followers, following and the other per-account collections and lookups. */
export function accountCollectionRoutes(app: FastifyInstance, ctx: AppContext) {
  for (const kind of ['followers', 'following'] as const) {
    app.get(`/api/v1/accounts/:id/${kind}`, { preHandler: authorizeIfToken(['read:accounts']) }, async (request, reply) => {
      const account = await targetAccount(ctx, request);
      const viewerId = viewerOf(request);
      const page = pageRequest(request, 40, 80);
      const hidden =
        !!account.suspendedAt || (account.hideCollections === true && viewerId !== account.id) || (viewerId !== null && (await isBlocking(ctx, account.id, viewerId)));
      if (hidden) return [];
      const [mine, theirs] = kind === 'followers' ? [sql`f.target_account_id`, sql`f.account_id`] : [sql`f.account_id`, sql`f.target_account_id`];
      const excluded = viewerId && viewerId !== account.id ? notExcludedBy(viewerId) : sql`TRUE`;
      const entries = await accountsThroughRelation(
        ctx,
        { from: sql`follows f JOIN accounts a ON a.id = ${theirs}`, cursor: sql`f.id`, account: theirs, where: sql`${mine} = ${account.id} AND a.suspended_at IS NULL AND ${excluded}` },
        page,
      );
      setLinkHeader(ctx.config, request, reply, entries.map((entry) => entry.cursor));
      return await renderAccountRows(ctx, entries);
    });
  }

  app.get('/api/v1/accounts/:id/endorsements', { preHandler: authorizeIfToken(['read:accounts']) }, async (request, reply) => {
    const account = await targetAccount(ctx, request);
    const viewerId = viewerOf(request);
    if (account.suspendedAt || (viewerId !== null && (await isBlocking(ctx, account.id, viewerId)))) return [];
    const entries = await accountsThroughRelation(
      ctx,
      { from: sql`account_pins p JOIN accounts a ON a.id = p.target_account_id`, cursor: sql`p.id`, account: sql`p.target_account_id`, where: sql`p.account_id = ${account.id} AND a.suspended_at IS NULL` },
      pageRequest(request, 40, 80),
    );
    setLinkHeader(ctx.config, request, reply, entries.map((entry) => entry.cursor));
    return await renderAccountRows(ctx, entries);
  });

  // identity proofs were removed from Mastodon (3.5); the route stays and always answers an empty list
  app.get('/api/v1/accounts/:id/identity_proofs', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    await targetAccount(ctx, request);
    return [];
  });

  app.get('/api/v1/accounts/familiar_followers', { preHandler: authorize({ scopes: ['read:follows'], user: true }) }, async (request) => {
    const { account: viewer } = currentUser(request);
    const ids = idList(params(request).id).slice(0, 40);
    if (ids.length === 0) return [];
    const list = sql.join(
      ids.map((id) => sql`${id}::bigint`),
      sql`, `,
    );
    const existing = await queryRows<{ id: string; hidden: boolean }>(
      ctx.db,
      sql`SELECT id::text AS id, coalesce(hide_collections, FALSE) AS hidden FROM accounts WHERE id IN (${list}) AND suspended_at IS NULL`,
    );
    const present = new Map(existing.map((row) => [row.id, row.hidden]));
    const rows = await queryRows<{ target: string; follower: string }>(
      ctx.db,
      sql`SELECT f.target_account_id::text AS target, f.account_id::text AS follower
          FROM follows f
          JOIN follows mine ON mine.account_id = ${viewer.id} AND mine.target_account_id = f.account_id
          JOIN accounts a ON a.id = f.account_id
          WHERE f.target_account_id IN (${list}) AND a.suspended_at IS NULL AND a.hide_collections IS NOT TRUE
          ORDER BY f.id DESC`,
    );
    const accounts = new Map((await renderAccountRows(ctx, await accountsInOrder(ctx, rows.map((row) => row.follower)))).map((account) => [account.id, account]));
    return ids
      .filter((id) => present.has(id))
      .map((id) => ({
        id,
        // an account hiding its collections shows no familiar followers either
        accounts: rows
          .filter((row) => row.target === id && !present.get(id))
          .flatMap((row) => {
            const account = accounts.get(row.follower);
            return account ? [account] : [];
          }),
      }));
  });

  app.get('/api/v1/accounts/:id/lists', { preHandler: authorize({ scopes: ['read:lists'], user: true }) }, async (request) => {
    const { account: viewer } = currentUser(request);
    const account = await targetAccount(ctx, request);
    const rows = await queryRows<{ id: string; title: string; replies_policy: string; exclusive: boolean }>(
      ctx.db,
      sql`SELECT l.id::text AS id, l.title, l.replies_policy, l.exclusive FROM lists l
          WHERE l.account_id = ${viewer.id} AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = ${account.id})
          ORDER BY l.id`,
    );
    return rows.map((row) => ({ id: row.id, title: row.title, replies_policy: row.replies_policy, exclusive: row.exclusive }));
  });

  app.get('/api/v1/accounts/:id/featured_tags', { preHandler: authorizeIfToken(['read:accounts']) }, async (request) => {
    const account = await targetAccount(ctx, request);
    if (account.suspendedAt) return [];
    const rows = await ctx.db.select().from(featuredTags).where(eq(featuredTags.accountId, account.id)).orderBy(asc(featuredTags.id));
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
    const conditions: SQL[] = [sql`${statuses.accountId} = ${account.id}`, visibleTo(viewerId), pageCondition(statuses.id, page)];
    conditions.push(sql`(${statuses.reblogOfId} IS NULL OR EXISTS (
      SELECT 1 FROM statuses original WHERE ${reblogOriginals.id} = ${statuses.reblogOfId}
        AND ${visibleTo(viewerId, reblogOriginals)} AND ${notHiddenFrom(viewerId, reblogOriginals)}))`);
    if (railsBoolean(input.pinned) === true) {
      conditions.push(sql`EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = ${statuses.id} AND p.account_id = ${account.id})`);
    }
    if (railsBoolean(input.exclude_replies) === true) {
      conditions.push(sql`(${statuses.inReplyToId} IS NULL OR ${statuses.inReplyToAccountId} = ${account.id})`);
    }
    if (railsBoolean(input.exclude_reblogs) === true) conditions.push(sql`${statuses.reblogOfId} IS NULL`);
    if (railsBoolean(input.only_media) === true) {
      // the account's own posts with media, as Mastodon's account_media_status_ids
      conditions.push(sql`${statuses.reblogOfId} IS NULL AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${statuses.id})`);
    }
    const tagged = text(input.tagged)?.trim().replace(/^#/, '');
    if (tagged) {
      conditions.push(sql`EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = ${statuses.id} AND lower(t.name) = lower(${tagged}))`);
    }
    const rows = await ctx.db
      .select()
      .from(statuses)
      .where(sql.join(conditions, sql` AND `))
      .orderBy(pageOrder(statuses.id, page))
      .limit(page.limit);
    const ordered = finishPage(rows, page);
    setLinkHeader(ctx.config, request, reply, ordered.map((row) => row.id));
    return renderStatuses(ctx, ordered, { viewerId });
  });
}

