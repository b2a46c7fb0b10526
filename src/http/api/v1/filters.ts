import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { listParam, ownRecord } from '../../params.ts';
import { createFilter, filtersChanged, updateFilter, validateKeyword } from '../../../services/moderation/filter-admin.ts';
import { deleteKeyword, keywordCount, keywordsOf, keywordsWithFilters, ownKeyword as findOwnKeyword, updateKeyword } from '../../../services/moderation/filter-rules.ts';
import type { CustomFilterRow } from '../../../lib/filter-matching.ts';
import type { FilterKeywordRow } from '../../../serializers/filter.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { expiresInParam } from '../v2/filters.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:filters'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:filters'], user: true }) };

/** The v1 Filter entity (REST::V1::FilterSerializer): one per keyword. */
function renderV1Filter(keyword: FilterKeywordRow, filter: CustomFilterRow) {
  return {
    id: keyword.id,
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: filter.expiresAt?.toISOString() ?? null,
    irreversible: filter.action === 'hide',
  };
}

const ownKeyword = (ctx: AppContext, request: FastifyRequest) => ownRecord(request, (accountId, id) => findOwnKeyword(ctx, accountId, id));

/** `/api/v1/filters` (deprecated since 4.0): each keyword shown as a filter of its own. */
export function filtersV1Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/filters', read, async (request) => {
    const { account } = currentUser(request);
    const rows = await keywordsWithFilters(ctx, account.id);
    return rows.map((row) => renderV1Filter(row.keyword, row.filter));
  });

  app.post('/api/v1/filters', write, async (request) => {
    const { account } = currentUser(request);
    const input = params(request);
    const phrase = text(input.phrase) ?? '';
    validateKeyword(phrase);
    const filter = await createFilter(ctx, account.id, {
      title: phrase,
      context: listParam(input.context),
      action: railsBoolean(input.irreversible) === true ? 'hide' : 'warn',
      expiresIn: expiresInParam(input.expires_in),
      keywords: [{ keyword: phrase, wholeWord: railsBoolean(input.whole_word) ?? true }],
    });
    const [keyword] = await keywordsOf(ctx, filter.id);
    return renderV1Filter(keyword!, filter);
  });

  app.get('/api/v1/filters/:id', read, async (request) => {
    const { keyword, filter } = await ownKeyword(ctx, request);
    return renderV1Filter(keyword, filter);
  });

  const update = async (request: FastifyRequest) => {
    const { keyword, filter } = await ownKeyword(ctx, request);
    const input = params(request);
    const changes: { keyword?: string; wholeWord?: boolean } = {};
    if (input.phrase !== undefined) {
      changes.keyword = text(input.phrase) ?? '';
      validateKeyword(changes.keyword);
    }
    const wholeWord = railsBoolean(input.whole_word);
    if (typeof wholeWord === 'boolean') changes.wholeWord = wholeWord;

    const context = input.context === undefined ? undefined : listParam(input.context);
    const irreversible = railsBoolean(input.irreversible);
    const action = typeof irreversible === 'boolean' ? (irreversible ? 'hide' : 'warn') : undefined;
    const expiresIn = expiresInParam(input.expires_in);
    const filterChanges =
      (context !== undefined && context.join(',') !== filter.context.join(',')) ||
      (action !== undefined && action !== filter.action) ||
      (expiresIn !== undefined && !(expiresIn === null && filter.expiresAt === null));
    if (filterChanges) {
      if ((await keywordCount(ctx, filter.id)) > 1) {
        throw new ApiError(422, 'These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.');
      }
    }
    const updatedKeyword = await updateKeyword(ctx, keyword, changes);
    const updatedFilter = filterChanges ? await updateFilter(ctx, filter, { context, action, expiresIn }) : filter;
    if (!filterChanges) await filtersChanged(ctx, filter.accountId);
    return renderV1Filter(updatedKeyword, updatedFilter);
  };
  app.put('/api/v1/filters/:id', write, update);
  app.patch('/api/v1/filters/:id', write, update);

  app.delete('/api/v1/filters/:id', write, async (request) => {
    const { keyword, filter } = await ownKeyword(ctx, request);
    await deleteKeyword(ctx, keyword.id);
    await filtersChanged(ctx, filter.accountId);
    return {};
  });
}
