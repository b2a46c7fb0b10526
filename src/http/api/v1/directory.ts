import { renderAccountRows } from '../../../services/entities.ts';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { queryRows } from '../../../db/index.ts';
import { ApiError } from '../../../lib/errors.ts';
import { accountsInOrder } from '../../../services/account-pages.ts';
import { accountSuggestions, dismissSuggestion, legacySource, notExcludedBy, usable } from '../../../services/account-suggestions.ts';
import { isRowId } from '../../../lib/ids.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

export function intParam(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = text(params(request)[name]);
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, `${name} must be a number`);
  return Math.min(Math.max(Number(raw), min), max);
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
    return await renderAccountRows(ctx, await accountSuggestions(ctx, account.id, intParam(request, 'limit', 40, 1, 80)));
  });

  app.get('/api/v2/suggestions', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const found = await accountSuggestions(ctx, account.id, intParam(request, 'limit', 40, 1, 80));
    const rendered = await renderAccountRows(ctx, found);
    return found.map((row, i) => ({ source: legacySource(row.sources), sources: row.sources, account: rendered[i] }));
  });

  app.delete('/api/v1/suggestions/:id', { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = (request.params as { id: string }).id;
    if (isRowId(id)) await dismissSuggestion(ctx, account.id, id);
    return {};
  });
}
