import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { domainAllows, domainBlocks } from '../../db/schema.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { DomainClearMedia } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { normalizeDomain } from './domain-blocks.ts';
import { recountFollows } from './follow-counters.ts';
import { domainBlockFor, invalidateDomainPolicy, type DomainBlockRow } from '../moderation/instance-domain-blocks.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { renderAdminDomainBlock } from '../../serializers/domain-block.ts';
import type { DomainAllowRow } from '../../db/schema.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';
import { recordStaffAction } from '../moderation/audit-log.ts';

export type { DomainAllowRow };

/**
 * Instance-level domain blocks and allows, as Mastodon's admin API, BlockDomainService and
 * UnblockDomainService keep them. A block's effects on the domain's known accounts are applied
 * at once: a suspension suspends them (suspended_at = the block's created_at, so lifting it
 * restores only those) and ends every follow and follow request between them and members; a
 * silence silences them. Everything else (no deliveries, no inbound activities, no fetches) is
 * decided per request from the block itself (instance-domain-blocks.ts).
 */

export const SEVERITIES = ['noop', 'silence', 'suspend'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A host name (IDN as punycode), optionally with a port, as remote accounts' domains are. */
const DOMAIN = /^(?=.{1,253}(:\d{1,5})?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*(:\d{1,5})?$/;

export function validDomain(input: string | undefined): string {
  if (input === undefined || input.trim() === '') throw validationFailed(["Domain can't be blank"]);
  const domain = normalizeDomain(input);
  if (!DOMAIN.test(domain)) throw validationFailed(['Domain is not a valid domain name']);
  return domain;
}

export interface DomainBlockInput {
  domain?: string;
  severity?: string;
  rejectMedia?: boolean | null;
  rejectReports?: boolean | null;
  privateComment?: string | null;
  publicComment?: string | null;
  obfuscate?: boolean | null;
}

function severityOf(value: string | undefined, fallback: Severity): Severity {
  if (value === undefined || value === '') return fallback;
  if (!(SEVERITIES as readonly string[]).includes(value)) throw validationFailed([`Severity '${value}' is not a valid severity`]);
  return value as Severity;
}

/** Mastodon's DomainBlock#stricter_than?. */
export function stricterThan(block: Pick<DomainBlockRow, 'severity' | 'rejectMedia' | 'rejectReports'>, other: Pick<DomainBlockRow, 'severity' | 'rejectMedia' | 'rejectReports'>): boolean {
  if (block.severity === 'suspend') return true;
  if (other.severity === 'suspend' && (block.severity === 'silence' || block.severity === 'noop')) return false;
  if (other.severity === 'silence' && block.severity === 'noop') return false;
  return (block.rejectMedia || !other.rejectMedia) && (block.rejectReports || !other.rejectReports);
}

const notFound = () => new ApiError(404, 'Record not found');

export async function findDomainBlock(ctx: AppContext, id: string): Promise<DomainBlockRow> {
  if (!isRowId(id)) throw notFound();
  const [row] = await ctx.db.select().from(domainBlocks).where(eq(domainBlocks.id, id));
  if (!row) throw notFound();
  return row;
}

export async function findDomainAllow(ctx: AppContext, id: string): Promise<DomainAllowRow> {
  if (!isRowId(id)) throw notFound();
  const [row] = await ctx.db.select().from(domainAllows).where(eq(domainAllows.id, id));
  if (!row) throw notFound();
  return row;
}

export async function listDomainBlocks(ctx: AppContext, page: Page): Promise<DomainBlockRow[]> {
  const rows = await ctx.db.select().from(domainBlocks).where(pageCondition(domainBlocks.id, page)).orderBy(pageOrder(domainBlocks.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

export async function listDomainAllows(ctx: AppContext, page: Page): Promise<DomainAllowRow[]> {
  const rows = await ctx.db.select().from(domainAllows).where(pageCondition(domainAllows.id, page)).orderBy(pageOrder(domainAllows.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

/** The blocks `/api/v1/instance/domain_blocks` shows (with_user_facing_limitations.by_severity): suspensions, then silences, by domain. */
export async function userFacingDomainBlocks(ctx: AppContext): Promise<DomainBlockRow[]> {
  const rows = await ctx.db.select().from(domainBlocks).where(sql`${domainBlocks.severity} IN ('silence', 'suspend')`).orderBy(desc(domainBlocks.severity), domainBlocks.domain);
  return rows;
}

/** The accounts of a block's domain and its subdomains (Mastodon's `Account.by_domain_and_subdomains`). */
/** Rows (accounts `a` by default) of the domain and its subdomains, on any port (Mastodon's by_domain_and_subdomains). */
export function accountsOfDomain(domain: string, column = sql`a.domain`) {
  return sql`(lower(${column}) = ${domain} OR lower(${column}) LIKE ${`%.${domain}`} OR lower(${column}) LIKE ${`${domain}:%`} OR lower(${column}) LIKE ${`%.${domain}:%`})`;
}

/**
 * BlockDomainService: a suspension suspends the domain's accounts and ends every follow and
 * follow request between them and this instance's members; a silence silences them. With
 * `update`, the effects of a former severity the block no longer has are lifted first. With
 * reject_media (or a suspension), the cached copies of the domain's media are removed in the
 * `pull` queue (DomainClearMediaWorker).
 */
async function applyDomainBlock(ctx: AppContext, block: DomainBlockRow, update: boolean): Promise<void> {
  const at = block.createdAt;
  const domain = accountsOfDomain(block.domain);
  if (update) {
    if (block.severity !== 'silence') await ctx.db.execute(sql`UPDATE accounts a SET silenced_at = NULL WHERE ${domain} AND a.silenced_at = ${at}`);
    if (block.severity !== 'suspend') await ctx.db.execute(sql`UPDATE accounts a SET suspended_at = NULL WHERE ${domain} AND a.suspended_at = ${at}`);
  }
  if (block.severity === 'silence') {
    await ctx.db.execute(sql`UPDATE accounts a SET silenced_at = ${at} WHERE ${domain} AND a.silenced_at IS NULL`);
  } else if (block.severity === 'suspend') {
    await ctx.db.execute(sql`UPDATE accounts a SET suspended_at = ${at} WHERE ${domain} AND a.suspended_at IS NULL`);
    // follows both ways end (SuspendAccountService#unfollow! / #reject_remote_follows!, without telling the suspended server)
    await endFollowsWith(ctx, domain);
  }
  await forgetAllRenderings(ctx);
  if (block.rejectMedia || block.severity === 'suspend') await enqueue(ctx, DomainClearMedia, { domainBlockId: block.id });
}

/** UnblockDomainService: the accounts the block suspended or silenced are restored. */
async function liftDomainBlock(ctx: AppContext, block: DomainBlockRow): Promise<void> {
  const at = block.createdAt;
  const domain = accountsOfDomain(block.domain);
  await ctx.db.execute(sql`UPDATE accounts a SET silenced_at = NULL WHERE ${domain} AND a.silenced_at = ${at}`);
  await ctx.db.execute(sql`UPDATE accounts a SET suspended_at = NULL WHERE ${domain} AND a.suspended_at = ${at}`);
  await forgetAllRenderings(ctx);
}

function blockValues(input: DomainBlockInput) {
  const values: Partial<typeof domainBlocks.$inferInsert> = {};
  if (input.rejectMedia !== undefined && input.rejectMedia !== null) values.rejectMedia = input.rejectMedia;
  if (input.rejectReports !== undefined && input.rejectReports !== null) values.rejectReports = input.rejectReports;
  if (input.obfuscate !== undefined && input.obfuscate !== null) values.obfuscate = input.obfuscate;
  if (input.privateComment !== undefined) values.privateComment = input.privateComment;
  if (input.publicComment !== undefined) values.publicComment = input.publicComment;
  return values;
}

/**
 * `POST /api/v1/admin/domain_blocks`: refused (422, with the existing block) when the domain is
 * blocked already, or when a block of a parent domain is at least as strict.
 */
export async function createDomainBlock(ctx: AppContext, input: DomainBlockInput, staffAccountId: string | null = null): Promise<DomainBlockRow> {
  const domain = validDomain(input.domain);
  const candidate = { severity: severityOf(input.severity, 'silence'), rejectMedia: input.rejectMedia ?? false, rejectReports: input.rejectReports ?? false };
  const existing = await domainBlockFor(ctx, domain);
  if (existing && (existing.domain === domain || !stricterThan(candidate, existing))) {
    throw new ApiError(422, `You have already imposed stricter limits on ${existing.domain}.`, { existing_domain_block: renderAdminDomainBlock(existing) });
  }
  const [created] = await ctx.db
    .insert(domainBlocks)
    .values({ ...blockValues(input), domain, severity: candidate.severity })
    .onConflictDoNothing()
    .returning();
  if (!created) throw validationFailed(['Domain has already been taken']);
  await invalidateDomainPolicy(ctx);
  await applyDomainBlock(ctx, created, false);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'DomainBlock', targetId: created.id, summary: `blocked domain ${domain} (${created.severity})` });
  return created;
}

/** `PUT /api/v1/admin/domain_blocks/:id`: the domain stays; a severity change moves the accounts' limits. */
export async function updateDomainBlock(ctx: AppContext, id: string, input: Omit<DomainBlockInput, 'domain'>, staffAccountId: string | null = null): Promise<DomainBlockRow> {
  const block = await findDomainBlock(ctx, id);
  const severity = severityOf(input.severity, block.severity as Severity);
  const [updated] = await ctx.db
    .update(domainBlocks)
    .set({ ...blockValues(input), severity, updatedAt: new Date() })
    .where(eq(domainBlocks.id, block.id))
    .returning();
  await invalidateDomainPolicy(ctx);
  await applyDomainBlock(ctx, updated!, severity !== block.severity);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'update', targetType: 'DomainBlock', targetId: block.id, summary: `changed the block of domain ${block.domain} (${severity})` });
  return updated!;
}

/** `DELETE /api/v1/admin/domain_blocks/:id` (UnblockDomainService). */
export async function removeDomainBlock(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<void> {
  const block = await findDomainBlock(ctx, id);
  await ctx.db.delete(domainBlocks).where(eq(domainBlocks.id, block.id));
  await invalidateDomainPolicy(ctx);
  await liftDomainBlock(ctx, block);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'DomainBlock', targetId: block.id, summary: `unblocked domain ${block.domain}` });
}

/** `POST /api/v1/admin/domain_allows`: an existing allow is answered as it is, as Mastodon does. */
export async function createDomainAllow(ctx: AppContext, input: string | undefined, staffAccountId: string | null = null): Promise<DomainAllowRow> {
  const domain = validDomain(input);
  const [existing] = await ctx.db.select().from(domainAllows).where(eq(domainAllows.domain, domain));
  if (existing) return existing;
  await ctx.db.insert(domainAllows).values({ domain }).onConflictDoNothing();
  await invalidateDomainPolicy(ctx);
  const [row] = await ctx.db.select().from(domainAllows).where(eq(domainAllows.domain, domain));
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'DomainAllow', targetId: row!.id, summary: `allowed federation with domain ${domain}` });
  return row!;
}

/**
 * `DELETE /api/v1/admin/domain_allows/:id` (UnallowDomainService). Under limited federation the
 * domain then no longer federates: its accounts' follows with members end, as Mastodon purges them.
 */
export async function removeDomainAllow(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<void> {
  const allow = await findDomainAllow(ctx, id);
  await ctx.db.delete(domainAllows).where(and(eq(domainAllows.id, allow.id)));
  await invalidateDomainPolicy(ctx);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'DomainAllow', targetId: allow.id, summary: `stopped allowing federation with domain ${allow.domain}` });
  if (!ctx.config.limitedFederationMode) return;
  await endFollowsWith(ctx, accountsOfDomain(allow.domain));
}

/** Ends the follows and follow requests, both ways, of the accounts `domain` matches, and recounts. */
async function endFollowsWith(ctx: AppContext, domain: SQL): Promise<void> {
  type Ended = { account_id: string | number; target_account_id: string | number };
  const ended = await queryRows<Ended>(
    ctx.db,
    sql`DELETE FROM follows f USING accounts a WHERE (a.id = f.account_id OR a.id = f.target_account_id) AND ${domain} RETURNING f.account_id, f.target_account_id`,
  );
  await ctx.db.execute(sql`DELETE FROM follow_requests r USING accounts a WHERE (a.id = r.account_id OR a.id = r.target_account_id) AND ${domain}`);
  if (ended.length)
    await recountFollows(
      ctx,
      ended.flatMap((row) => [String(row.account_id), String(row.target_account_id)]),
    );
}

/** The block or allow on exactly `domain` (normalized), for the CLI. */
export async function domainRulesFor(ctx: AppContext, input: string): Promise<{ block?: DomainBlockRow; allow?: DomainAllowRow }> {
  const domain = normalizeDomain(input);
  const [block] = await ctx.db.select().from(domainBlocks).where(eq(domainBlocks.domain, domain));
  const [allow] = await ctx.db.select().from(domainAllows).where(eq(domainAllows.domain, domain));
  return { block, allow };
}

/** Every blocked domain, whatever the severity (for leaving them out of the peers list). */
export async function blockedDomains(ctx: AppContext): Promise<Set<string>> {
  const rows = await ctx.db.select({ domain: domainBlocks.domain }).from(domainBlocks);
  return new Set(rows.map((row) => row.domain));
}
