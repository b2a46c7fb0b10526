import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { type RenderedAccount, renderAccountRows } from '../presenters/accounts.ts';
import { setLinkHeader } from './pagination.ts';

/** An account of the page, with the id the page's cursor runs on (the relation row's, for follows, blocks, mutes…). */
export type AccountPageEntry = Parameters<typeof renderAccountRows>[1][number] & { cursor: string };

/** A page of accounts (followers, blocks, mutes, follow requests…): its `Link` header set, the accounts rendered in order. */
export async function accountPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, entries: readonly AccountPageEntry[]): Promise<RenderedAccount[]> {
  setLinkHeader(ctx.config, request, reply, entries, (entry) => entry.cursor);
  return renderAccountRows(ctx, entries);
}
