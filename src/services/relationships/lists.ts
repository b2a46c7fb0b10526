import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { listFeed } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, listAccounts, lists } from '../../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { mergeIntoList, unmergeFromFeed } from '../feeds/fan-out.ts';
import { isRowId } from '../../lib/ids.ts';
import type { ListRow } from '../../db/schema.ts';

export type { ListRow };

export const REPLIES_POLICIES = ['followed', 'list', 'none'] as const;
/** lists per account (ListValidator) */
export const MAX_LISTS = 50;

export interface ListInput {
  title?: string;
  repliesPolicy?: string;
  exclusive?: boolean;
}

function checkInput(input: ListInput, creating: boolean) {
  if (input.repliesPolicy !== undefined && !(REPLIES_POLICIES as readonly string[]).includes(input.repliesPolicy)) {
    throw new ApiError(422, `'${input.repliesPolicy}' is not a valid replies_policy`);
  }
  if ((creating || input.title !== undefined) && !input.title?.trim()) throw validationFailed(["Title can't be blank"]);
}

export async function listsOf(ctx: AppContext, accountId: string): Promise<ListRow[]> {
  return ctx.db.select().from(lists).where(eq(lists.accountId, accountId)).orderBy(asc(lists.id));
}

/** The member's own list with this id, or a 404. */
export async function findOwnList(ctx: AppContext, accountId: string, id: string): Promise<ListRow> {
  if (!isRowId(id)) throw notFound();
  const [list] = await ctx.db
    .select()
    .from(lists)
    .where(and(eq(lists.id, id), eq(lists.accountId, accountId)))
    .limit(1);
  if (!list) throw notFound();
  return list;
}

export async function createList(ctx: AppContext, accountId: string, input: ListInput): Promise<ListRow> {
  checkInput(input, true);
  const [count] = await queryRows<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM lists WHERE account_id = ${accountId}`);
  if (Number(count?.n ?? 0) >= MAX_LISTS) throw validationFailed(['You have reached the maximum number of lists']);
  const [list] = await ctx.db
    .insert(lists)
    .values({ accountId, title: input.title!.trim(), repliesPolicy: input.repliesPolicy ?? 'list', exclusive: input.exclusive ?? false })
    .returning();
  return list!;
}

export async function updateList(ctx: AppContext, accountId: string, id: string, input: ListInput): Promise<ListRow> {
  const list = await findOwnList(ctx, accountId, id);
  checkInput(input, false);
  const changes: Partial<ListRow> = {};
  if (input.title !== undefined) changes.title = input.title.trim();
  if (input.repliesPolicy !== undefined) changes.repliesPolicy = input.repliesPolicy;
  if (input.exclusive !== undefined) changes.exclusive = input.exclusive;
  if (Object.keys(changes).length === 0) return list;
  const [updated] = await ctx.db.update(lists).set(changes).where(eq(lists.id, list.id)).returning();
  // the replies policy decides what the feed holds
  if (changes.repliesPolicy !== undefined && changes.repliesPolicy !== list.repliesPolicy) await ctx.feeds.clear(listFeed(list.id));
  return updated!;
}

export async function deleteList(ctx: AppContext, accountId: string, id: string): Promise<void> {
  const list = await findOwnList(ctx, accountId, id);
  await ctx.db.delete(lists).where(eq(lists.id, list.id));
  await ctx.feeds.clear(listFeed(list.id));
}

/** The list's members as `{ entryId, account }`, ordered by when they were added (newest first). */
export async function listMembers(ctx: AppContext, list: ListRow, page: { maxId?: string; sinceId?: string; minId?: string; limit: number | null }) {
  const conditions = [eq(listAccounts.listId, list.id)];
  if (page.maxId) conditions.push(sql`${listAccounts.id} < ${page.maxId}`);
  if (page.sinceId) conditions.push(sql`${listAccounts.id} > ${page.sinceId}`);
  if (page.minId) conditions.push(sql`${listAccounts.id} > ${page.minId}`);
  const query = ctx.db
    .select({ entryId: listAccounts.id, account: accounts })
    .from(listAccounts)
    .innerJoin(accounts, eq(accounts.id, listAccounts.accountId))
    .where(and(...conditions, sql`${accounts.suspendedAt} IS NULL`))
    .orderBy(page.minId ? sql`${listAccounts.id} ASC` : sql`${listAccounts.id} DESC`);
  const rows = page.limit === null ? await query : await query.limit(page.limit);
  return page.minId ? rows.reverse() : rows;
}

function canonicalIds(ids: string[]): string[] {
  return [...new Set(ids.filter((id) => isRowId(id)).map((id) => BigInt(id).toString()))];
}

/**
 * Adds accounts to a list (ListAccount): each must exist and be followed (or requested) by the
 * owner, else a 404 as Mastodon's `find_by!`; one already in the list is a 422.
 */
export async function addListAccounts(ctx: AppContext, accountId: string, id: string, accountIds: string[]): Promise<void> {
  const list = await findOwnList(ctx, accountId, id);
  const ids = canonicalIds(accountIds);
  if (ids.length !== new Set(accountIds).size || ids.length === 0) {
    if (ids.length === 0) return;
    throw notFound();
  }
  const allowed = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT a.id FROM accounts a WHERE a.id IN (${sql.join(
      ids.map((target) => sql`${target}::bigint`),
      sql`, `,
    )}) AND (a.id = ${accountId}
        OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${accountId} AND f.target_account_id = a.id)
        OR EXISTS (SELECT 1 FROM follow_requests r WHERE r.account_id = ${accountId} AND r.target_account_id = a.id))`,
  );
  if (allowed.length !== ids.length) throw notFound();
  const existing = await ctx.db
    .select({ accountId: listAccounts.accountId })
    .from(listAccounts)
    .where(and(eq(listAccounts.listId, list.id), inArray(listAccounts.accountId, ids)));
  if (existing.length > 0) throw validationFailed(['Account has already been taken']);
  await ctx.db
    .insert(listAccounts)
    .values(ids.map((target) => ({ listId: list.id, accountId: target })))
    .onConflictDoNothing();
  for (const target of ids) await mergeIntoList(ctx, list.id, accountId, target);
}

export async function removeListAccounts(ctx: AppContext, accountId: string, id: string, accountIds: string[]): Promise<void> {
  const list = await findOwnList(ctx, accountId, id);
  const ids = canonicalIds(accountIds);
  if (ids.length === 0) return;
  await ctx.db.delete(listAccounts).where(and(eq(listAccounts.listId, list.id), inArray(listAccounts.accountId, ids)));
  for (const target of ids) await unmergeFromFeed(ctx, listFeed(list.id), target, false);
}

/** `GET /api/v1/accounts/:id/lists`: the owner's lists that hold the account. */
export async function listsHolding(ctx: AppContext, ownerId: string, accountId: string): Promise<ListRow[]> {
  return ctx.db
    .select()
    .from(lists)
    .where(and(eq(lists.accountId, ownerId), sql`EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = ${lists.id} AND la.account_id = ${accountId})`))
    .orderBy(asc(lists.id));
}
