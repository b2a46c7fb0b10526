import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { validationFailed } from '../../../lib/errors.ts';
import { listEntries, listParam, ownRecord } from '../../params.ts';
import { createFilter, deleteFilter, filtersChanged, findOwnFilter, updateFilter, validateKeyword, type FilterInput, type KeywordAttributes } from '../../../services/moderation/filter-admin.ts';
import { renderFiltersWithRules } from '../../../presenters/filter-rules.ts';
import {
  addFilterStatus,
  addKeyword,
  deleteFilterStatus,
  deleteKeyword,
  filterStatusesOf,
  filtersOf,
  keywordsOf,
  ownFilterStatus as findOwnFilterStatus,
  ownKeyword as findOwnKeyword,
  updateKeyword,
} from '../../../services/moderation/filter-rules.ts';
import { renderFilterKeyword, renderFilterStatus } from '../../../serializers/filter.ts';
import { findVisibleStatus } from '../../../services/statuses/visibility.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:filters'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:filters'], user: true }) };

/** `expires_in` in seconds; blank means never. */
export function expiresInParam(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  const raw = text(value);
  if (raw === undefined || raw.trim() === '') return null;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds)) return null;
  return Math.floor(seconds) > 0 ? Math.floor(seconds) : null;
}

function keywordsAttributes(value: unknown): KeywordAttributes[] | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const entries = listEntries(value);
  return entries
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object' && !Array.isArray(entry))
    .map((entry) => ({
      id: text(entry.id) || undefined,
      keyword: entry.keyword === undefined ? undefined : (text(entry.keyword) ?? ''),
      wholeWord: railsBoolean(entry.whole_word) ?? undefined,
      destroy: railsBoolean(entry._destroy) === true,
    }));
}

function filterInput(input: Record<string, unknown>): FilterInput {
  return {
    title: input.title === undefined ? undefined : (text(input.title) ?? ''),
    context: input.context === undefined ? undefined : listParam(input.context),
    action: input.filter_action === undefined ? undefined : (text(input.filter_action) ?? ''),
    expiresIn: expiresInParam(input.expires_in),
    keywords: keywordsAttributes(input.keywords_attributes),
  };
}

const ownKeyword = async (ctx: AppContext, request: FastifyRequest) => (await ownRecord(request, (accountId, id) => findOwnKeyword(ctx, accountId, id))).keyword;
const ownFilterStatus = (ctx: AppContext, request: FastifyRequest) => ownRecord(request, (accountId, id) => findOwnFilterStatus(ctx, accountId, id));

/** `/api/v2/filters`: filters with keywords and statuses (Mastodon 4.0+). */
export function filtersV2Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/filters', read, async (request) => {
    const { account } = currentUser(request);
    const filters = await filtersOf(ctx, account.id);
    return renderFiltersWithRules(ctx, filters);
  });

  app.post('/api/v2/filters', write, async (request) => {
    const { account } = currentUser(request);
    const filter = await createFilter(ctx, account.id, filterInput(params(request)));
    return (await renderFiltersWithRules(ctx, [filter]))[0];
  });

  // keywords and statuses first, so that `/keywords/:id` is not read as a filter id
  app.get('/api/v2/filters/keywords/:id', read, async (request) => renderFilterKeyword(await ownKeyword(ctx, request)));

  const changeKeyword = async (request: FastifyRequest) => {
    const keyword = await ownKeyword(ctx, request);
    const input = params(request);
    const changes: { keyword?: string; wholeWord?: boolean } = {};
    if (input.keyword !== undefined) {
      changes.keyword = text(input.keyword) ?? '';
      validateKeyword(changes.keyword);
    }
    const wholeWord = railsBoolean(input.whole_word);
    if (typeof wholeWord === 'boolean') changes.wholeWord = wholeWord;
    const updated = await updateKeyword(ctx, keyword, changes);
    await filtersChanged(ctx, currentUser(request).account.id);
    return renderFilterKeyword(updated);
  };
  app.put('/api/v2/filters/keywords/:id', write, changeKeyword);
  app.patch('/api/v2/filters/keywords/:id', write, changeKeyword);

  app.delete('/api/v2/filters/keywords/:id', write, async (request) => {
    const keyword = await ownKeyword(ctx, request);
    await deleteKeyword(ctx, keyword.id);
    await filtersChanged(ctx, currentUser(request).account.id);
    return {};
  });

  app.get('/api/v2/filters/statuses/:id', read, async (request) => renderFilterStatus(await ownFilterStatus(ctx, request)));

  app.delete('/api/v2/filters/statuses/:id', write, async (request) => {
    const row = await ownFilterStatus(ctx, request);
    await deleteFilterStatus(ctx, row.id);
    await filtersChanged(ctx, currentUser(request).account.id);
    return {};
  });

  app.get('/api/v2/filters/:id', read, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { id: string }).id);
    return (await renderFiltersWithRules(ctx, [filter]))[0];
  });

  const update = async (request: FastifyRequest) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { id: string }).id);
    const updated = await updateFilter(ctx, filter, filterInput(params(request)));
    return (await renderFiltersWithRules(ctx, [updated]))[0];
  };
  app.put('/api/v2/filters/:id', write, update);
  app.patch('/api/v2/filters/:id', write, update);

  app.delete('/api/v2/filters/:id', write, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { id: string }).id);
    await deleteFilter(ctx, filter);
    return {};
  });

  app.get('/api/v2/filters/:filter_id/keywords', read, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { filter_id: string }).filter_id);
    const rows = await keywordsOf(ctx, filter.id);
    return rows.map(renderFilterKeyword);
  });

  app.post('/api/v2/filters/:filter_id/keywords', write, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { filter_id: string }).filter_id);
    const input = params(request);
    const keyword = text(input.keyword) ?? '';
    validateKeyword(keyword);
    const row = await addKeyword(ctx, filter.id, keyword, railsBoolean(input.whole_word) ?? true);
    await filtersChanged(ctx, account.id);
    return renderFilterKeyword(row);
  });

  app.get('/api/v2/filters/:filter_id/statuses', read, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { filter_id: string }).filter_id);
    const rows = await filterStatusesOf(ctx, filter.id);
    return rows.map(renderFilterStatus);
  });

  app.post('/api/v2/filters/:filter_id/statuses', write, async (request) => {
    const { account } = currentUser(request);
    const filter = await findOwnFilter(ctx, account.id, (request.params as { filter_id: string }).filter_id);
    const statusId = text(params(request).status_id);
    const status = statusId ? await findVisibleStatus(ctx, statusId, account.id) : undefined;
    if (!status) throw validationFailed(['Status must exist']);
    const row = await addFilterStatus(ctx, filter.id, status.id);
    if (!row) throw validationFailed(['Status has already been taken']);
    await filtersChanged(ctx, account.id);
    return renderFilterStatus(row);
  });
}
