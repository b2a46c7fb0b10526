import type { FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl, type Config } from '../config/index.ts';
import { ApiError } from '../lib/errors.ts';
import { isRowId } from '../lib/ids.ts';
import { params, text } from './plugins/params.ts';

/** A page request as Mastodon reads it: ids are exclusive bounds; `min_id` pages forward from the oldest side. */
export interface PageRequest {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

function idParam(input: Record<string, unknown>, name: string): string | undefined {
  const value = text(input[name]);
  if (value === undefined || value === '') return undefined;
  // Mastodon ignores ids it cannot parse; an id past the 64-bit range can't match anything either
  return isRowId(value) ? value : undefined;
}

export function pageRequest(request: FastifyRequest, defaultLimit = 20, maxLimit = 40): PageRequest {
  const input = params(request);
  const rawLimit = text(input.limit);
  let limit = defaultLimit;
  if (rawLimit !== undefined && rawLimit !== '') {
    if (!/^-?\d+$/.test(rawLimit)) throw new ApiError(400, 'limit must be a number');
    limit = Math.min(Math.max(Number(rawLimit), 1), maxLimit);
  }
  return { maxId: idParam(input, 'max_id'), sinceId: idParam(input, 'since_id'), minId: idParam(input, 'min_id'), limit };
}

/**
 * Sends Mastodon's `Link` header for a page whose items are ordered newest first: `next` pages to
 * older items (`max_id` = the last id), `prev` to newer ones (`min_id` = the first id).
 * `items` are the page's items, or their ids; `cursor` gives the id the cursor runs on (for most lists the item ids; for some, like follows, the ids of the relation rows).
 */
export function setLinkHeader(config: Config, request: FastifyRequest, reply: FastifyReply, items: readonly string[] | readonly { id: string }[]): void;
export function setLinkHeader<T>(config: Config, request: FastifyRequest, reply: FastifyReply, items: readonly T[], cursor: (item: T) => string): void;
export function setLinkHeader(config: Config, request: FastifyRequest, reply: FastifyReply, items: readonly unknown[], cursor?: (item: unknown) => string): void {
  if (items.length === 0) return;
  const pageIds = items.map(cursor ?? ((item) => (typeof item === 'string' ? item : (item as { id: string }).id)));
  const url = new URL(request.url, baseUrl(config));
  const link = (rel: string, name: string, id: string) => {
    const next = new URL(url);
    for (const key of ['max_id', 'min_id', 'since_id']) next.searchParams.delete(key);
    next.searchParams.set(name, id);
    return `<${next.toString()}>; rel="${rel}"`;
  };
  reply.header('link', [link('next', 'max_id', pageIds[pageIds.length - 1]!), link('prev', 'min_id', pageIds[0]!)].join(', '));
}
