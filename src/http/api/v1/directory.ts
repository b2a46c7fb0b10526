import { renderAccountRows } from '../../../services/entities.ts';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { queryRows } from '../../../db/index.ts';
import { ApiError } from '../../../lib/errors.ts';
import { accountsInOrder } from '../../../services/account-pages.ts';
import { isRowId } from '../../../lib/ids.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

export function intParam(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = text(params(request)[name]);
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, `${name} must be a number`);
  return Math.min(Math.max(Number(raw), min), max);
}

/** Local accounts must be confirmed, approved and enabled to be shown; remote ones are shown as known. */
const usable = sql`(a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL AND u.approved AND NOT u.disabled))`;

/** Accounts `viewerId` blocks, is blocked by, or mutes (Mastodon's excluded_from_timeline_account_ids). */
export function notExcludedBy(viewerId: string | null) {
  if (!viewerId) return sql`TRUE`;
  return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ${viewerId} AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = ${viewerId}))
    AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${viewerId} AND mu.target_account_id = a.id AND (mu.expires_at IS NULL OR mu.expires_at > now()))`;
}

const DISMISSED_LIMIT = 1000;
const dismissedKey = (accountId: string) => `suggestions:dismissed:${accountId}`;

async function dismissedSuggestions(ctx: AppContext, accountId: string): Promise<string[]> {
  try {
    const value = JSON.parse((await ctx.cache.get(dismissedKey(accountId))) ?? '[]');
    return Array.isArray(value) ? value.filter(isRowId) : [];
  } catch {
    return [];
  }
}

/**
 * Who to follow: recently active local accounts the member does not follow (nor has asked to),
 * leaving out blocks and mutes both ways and dismissed suggestions (kept in the cache).
 */
async function suggestions(ctx: AppContext, viewerId: string, limit: number) {
  const dismissed = await dismissedSuggestions(ctx, viewerId);
  const notDismissed = dismissed.length
    ? sql`AND a.id NOT IN (${sql.join(
        dismissed.map((id) => sql`${id}::bigint`),
        sql`, `,
      )})`
    : sql``;
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT a.id::text AS id FROM accounts a
        WHERE a.domain IS NULL AND a.id <> ${viewerId} AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL
          AND a.discoverable IS NOT FALSE AND ${usable} AND ${notExcludedBy(viewerId)}
          AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${viewerId} AND f.target_account_id = a.id)
          AND NOT EXISTS (SELECT 1 FROM follow_requests r WHERE r.account_id = ${viewerId} AND r.target_account_id = a.id)
          ${notDismissed}
        ORDER BY a.last_status_at DESC NULLS LAST, a.followers_count DESC, a.id DESC
        LIMIT ${limit}`,
  );
  return accountsInOrder(
    ctx,
    rows.map((row) => row.id),
  );
}

export function directoryRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/directory', { preHandler: authorizeIfToken(['read:accounts']) }, async (request) => {
    const viewerId = viewerOf(request);
    const input = params(request);
    const offset = intParam(request, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(request, 'limit', 40, 1, 80);
    const order = text(input.order) === 'new' ? sql`a.id DESC` : sql`a.last_status_at DESC NULLS LAST, a.id DESC`;
    const local = railsBoolean(input.local) === true ? sql`AND a.domain IS NULL` : sql``;
    const rows = await queryRows<{ id: string }>(
      ctx.db,
      sql`SELECT a.id::text AS id FROM accounts a
          WHERE a.discoverable = TRUE AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL
            AND ${usable} AND ${notExcludedBy(viewerId)} ${local}
          ORDER BY ${order} OFFSET ${offset} LIMIT ${limit}`,
    );
    const found = await accountsInOrder(
      ctx,
      rows.map((row) => row.id),
    );
    return await renderAccountRows(ctx, found);
  });

  app.get('/api/v1/suggestions', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const found = await suggestions(ctx, account.id, intParam(request, 'limit', 40, 1, 80));
    return await renderAccountRows(ctx, found);
  });

  app.get('/api/v2/suggestions', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const found = await suggestions(ctx, account.id, intParam(request, 'limit', 40, 1, 80));
    return (await renderAccountRows(ctx, found)).map((account) => ({ source: 'global', sources: ['most_interactions'], account }));
  });

  app.delete('/api/v1/suggestions/:id', { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = (request.params as { id: string }).id;
    if (isRowId(id)) {
      const dismissed = await dismissedSuggestions(ctx, account.id);
      const canonical = BigInt(id).toString();
      if (!dismissed.includes(canonical)) {
        await ctx.cache.set(dismissedKey(account.id), JSON.stringify([canonical, ...dismissed].slice(0, DISMISSED_LIMIT)));
      }
    }
    return {};
  });
}
