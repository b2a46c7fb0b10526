import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { canonicalEmailBlocks, type CanonicalEmailBlockRow } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { rowById } from '../../db/row-by-id.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { recordStaffAction } from './audit-log.ts';

export type { CanonicalEmailBlockRow };

/**
 * Mastodon's EmailHelper#email_to_canonical_email: lower-cased, with the dots and any `+tag`
 * taken out of the local part, so that `J.Doe+spam@Example.com` and `jdoe@example.com` are one address.
 */
export function canonicalEmail(email: string): string {
  const [local = '', domain = ''] = splitOnce(email.toLowerCase(), '@');
  const [user = ''] = splitOnce(local.replaceAll('.', ''), '+');
  return `${user}@${domain}`;
}

function splitOnce(value: string, separator: string): [string, string?] {
  const at = value.indexOf(separator);
  return at < 0 ? [value] : [value.slice(0, at), value.slice(at + 1)];
}

/** The SHA-256 (hex) of the canonical address, which is all a canonical e-mail block keeps. */
export function canonicalEmailHash(email: string): string {
  return createHash('sha256').update(canonicalEmail(email)).digest('hex');
}

/** The audit log names a blocked address by the start of its hash: the address itself is never kept. */
const shortHash = (hash: string) => hash.slice(0, 12);

export interface CanonicalEmailBlockInput {
  email?: string;
  canonicalEmailHash?: string;
  referenceAccountId?: string | null;
}

export async function createCanonicalEmailBlock(ctx: AppContext, input: CanonicalEmailBlockInput, staffAccountId: string | null = null): Promise<CanonicalEmailBlockRow> {
  const hash = input.email ? canonicalEmailHash(input.email) : input.canonicalEmailHash?.trim().toLowerCase();
  if (!hash) throw validationFailed(["Canonical email hash can't be blank"]);
  const [created] = await ctx.db
    .insert(canonicalEmailBlocks)
    .values({ canonicalEmailHash: hash, referenceAccountId: input.referenceAccountId ?? null })
    .onConflictDoNothing()
    .returning();
  if (!created) throw validationFailed(['Canonical email hash has already been taken']);
  await recordStaffAction(ctx, {
    accountId: staffAccountId,
    action: 'create',
    targetType: 'CanonicalEmailBlock',
    targetId: created.id,
    summary: `blocked the e-mail address with hash ${shortHash(hash)}`,
  });
  return created;
}

export function findCanonicalEmailBlock(ctx: AppContext, id: string): Promise<CanonicalEmailBlockRow> {
  return rowById(ctx.db, canonicalEmailBlocks, id);
}

export async function listCanonicalEmailBlocks(ctx: AppContext, page: Page): Promise<CanonicalEmailBlockRow[]> {
  const rows = await ctx.db.select().from(canonicalEmailBlocks).where(pageCondition(canonicalEmailBlocks.id, page)).orderBy(pageOrder(canonicalEmailBlocks.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

/** The blocks an address matches (`POST /api/v1/admin/canonical_email_blocks/test`). */
export async function canonicalEmailBlocksMatching(ctx: AppContext, email: string): Promise<CanonicalEmailBlockRow[]> {
  return ctx.db
    .select()
    .from(canonicalEmailBlocks)
    .where(eq(canonicalEmailBlocks.canonicalEmailHash, canonicalEmailHash(email)));
}

export async function removeCanonicalEmailBlock(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<CanonicalEmailBlockRow> {
  const block = await findCanonicalEmailBlock(ctx, id);
  await ctx.db.delete(canonicalEmailBlocks).where(eq(canonicalEmailBlocks.id, block.id));
  const summary = `unblocked the e-mail address with hash ${shortHash(block.canonicalEmailHash)}`;
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'CanonicalEmailBlock', targetId: block.id, summary });
  return block;
}
