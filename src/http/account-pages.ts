import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { type RenderedAccount, renderAccountRows } from '../presenters/accounts.ts';
import type { AccountRow, UserRow } from '../db/schema.ts';
import { setLinkHeader } from './pagination.ts';

export interface AccountPageEntry {
  account: AccountRow;
  user?: Pick<UserRow, 'role'> | null;
  /** the id the page's cursor runs on (the relation row's, for follows, blocks, mutes…) */
  cursor: string;
}

/** A page of accounts (followers, blocks, mutes, follow requests…): its `Link` header set, the accounts rendered in order. */
export async function accountPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, entries: readonly AccountPageEntry[]): Promise<RenderedAccount[]> {
  setLinkHeader(ctx.config, request, reply, entries, (entry) => entry.cursor);
  return renderAccountRows(ctx, entries);
}
