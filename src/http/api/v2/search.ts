import { renderAccountRows } from '../../../presenters/accounts.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { renderStatuses } from '../../../presenters/statuses.ts';
import { federationCode } from '../../federation-code.ts';
import { search } from '../../../services/search/search.ts';
import { renderTags } from '../../../presenters/tags.ts';
import { authorizeIfToken, viewerOf } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { rowId } from '../../../lib/ids.ts';

const RESULTS_LIMIT = 20;

/** Ruby's String#to_i: leading digits (with a sign), 0 when there are none. */
const rubyInteger = (value: string | undefined) => {
  const match = /^\s*([+-]?\d+)/.exec(value ?? '');
  return match ? Number(match[1]) : 0;
};

const present = (value: string | undefined) => value !== undefined && value.trim() !== '';

/** Ids are kept only when they look like ids; anything else is ignored, as the search index would ignore it. */

export function searchRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/search', { preHandler: authorizeIfToken(['read', 'read:search']) }, async (request) => {
    const input = params(request);
    const q = text(input.q);
    if (!present(q)) throw new ApiError(400, 'param is missing or the value is empty: q');
    const viewerId = viewerOf(request);
    const rawOffset = text(input.offset);
    const rawLimit = text(input.limit);
    if (!viewerId) {
      if (present(rawOffset)) throw new ApiError(401, 'Search queries pagination is not supported without authentication');
      if (railsBoolean(input.resolve) === true) throw new ApiError(401, 'Search queries that resolve remote resources are not supported without authentication');
    }
    if ((rawLimit !== undefined && rubyInteger(rawLimit) < 0) || (rawOffset !== undefined && rubyInteger(rawOffset) < 0)) {
      throw new ApiError(400, 'Pagination values for `offset` and `limit` must be positive');
    }
    const limit = rawLimit === undefined ? RESULTS_LIMIT : Math.min(Math.abs(rubyInteger(rawLimit)), RESULTS_LIMIT * 2);
    const results = await search(ctx, viewerId, q!, {
      type: text(input.type)?.trim() || undefined,
      limit,
      offset: Math.min(rubyInteger(rawOffset), Number.MAX_SAFE_INTEGER),
      following: railsBoolean(input.following) === true,
      accountId: rowId(text(input.account_id)),
      excludeUnreviewed: railsBoolean(input.exclude_unreviewed) === true,
      maxId: rowId(text(input.max_id)),
      minId: rowId(text(input.min_id)),
      // as Mastodon's interface, English for those who chose no language
      language: request.auth?.user?.locale || 'en',
      resolve:
        viewerId && railsBoolean(input.resolve) === true
          ? {
              account: async (acct) => (await federationCode()).resolveRemoteAccount(ctx, acct),
              url: async (url) => {
                const { resolveRemoteStatusUrl, resolveRemoteAccountByUri } = await federationCode();
                return (await resolveRemoteStatusUrl(ctx, url)) ?? resolveRemoteAccountByUri(ctx, url);
              },
            }
          : undefined,
    });
    const [accounts, statuses, hashtags] = await Promise.all([
      renderAccountRows(ctx, results.accounts),
      renderStatuses(ctx, results.statuses, { viewerId }),
      renderTags(ctx, results.hashtags, viewerId),
    ]);
    return {
      accounts,
      statuses,
      hashtags,
    };
  });
}
