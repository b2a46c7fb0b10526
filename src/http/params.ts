import type { FastifyRequest } from 'fastify';
import { notFound } from '../lib/errors.ts';
import { rowId } from '../lib/ids.ts';
import { text } from '../lib/rails-params.ts';
import { currentUser } from './plugins/auth.ts';

// List parameters as Rails reads them; the request-wide parsing is in ./plugins/params.ts.

/** The entries of a list param: `x[]=a&x[]=b`, an indexed hash `x[0]=a&x[1]=b`, a JSON array, or a single `x=a`; absent or null is none. */
export function listEntries(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : [value];
}

/** A list param's strings (numbers as text), blank and nested entries left out, as Rails' permitted scalars. */
export function listParam(value: unknown): string[] {
  return listEntries(value)
    .filter((entry): entry is string | number => typeof entry === 'string' || typeof entry === 'number')
    .map(String)
    .filter((entry) => entry !== '');
}

/** A list param read entry by entry as `text` reads one value: a nested list or hash among them is a 422. */
export function textList(value: unknown): string[] {
  return listEntries(value)
    .map((entry) => text(entry))
    .filter((entry): entry is string => entry !== undefined);
}

/** The route's `:id` as a row id; one that cannot be a row id is a 404, as Rails' `find` raises. */
export function routeId(request: FastifyRequest): string {
  const id = rowId((request.params as { id?: string }).id ?? '');
  if (!id) throw notFound();
  return id;
}

/** The signed-in member's own record with the route's `:id` (`current_account.things.find(params[:id])`), or a 404. */
export async function ownRecord<T>(request: FastifyRequest, find: (accountId: string, id: string) => Promise<T | undefined | null | false>): Promise<T> {
  const found = await find(currentUser(request).account.id, routeId(request));
  if (!found) throw notFound();
  return found;
}
