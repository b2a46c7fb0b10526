import { renderAccountRows } from '../../../presenters/accounts.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { directoryAccounts } from '../../../services/relationships/account-relation-pages.ts';
import { accountSuggestions, dismissSuggestion, legacySource } from '../../../services/accounts/account-suggestions.ts';
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
    const found = await directoryAccounts(ctx, viewerId, { order: text(input.order) === 'new' ? 'new' : 'active', localOnly: railsBoolean(input.local) === true, offset, limit });
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
