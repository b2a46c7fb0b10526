import { BlockList, isIP } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { ipBlocks, type IpBlockRow } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { rowById } from '../../db/row-by-id.ts';
import { ipWithPrefix, parseCidr } from '../../lib/ip-ranges.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { recordStaffAction } from './audit-log.ts';

/**
 * Mastodon's IpBlock: an address or range whose sign-ups need approval (`sign_up_requires_approval`),
 * are refused (`sign_up_block`), or that may not reach the instance at all (`no_access`). An expired
 * block counts for nothing.
 */

export type { IpBlockRow };

export const IP_BLOCK_SEVERITIES = ['sign_up_requires_approval', 'sign_up_block', 'no_access'] as const;
export type IpBlockSeverity = (typeof IP_BLOCK_SEVERITIES)[number];

export interface IpBlockInput {
  ip?: string;
  severity?: string;
  comment?: string | null;
  /** seconds from now; null or '' for a block that never expires */
  expiresIn?: string | null;
}

function severityOf(value: string | undefined): IpBlockSeverity {
  if (value === undefined || value === '') throw validationFailed(["Severity can't be blank"]);
  if (!(IP_BLOCK_SEVERITIES as readonly string[]).includes(value)) throw validationFailed([`'${value}' is not a valid severity`]);
  return value as IpBlockSeverity;
}

function expiresAtOf(value: string | null | undefined): Date | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (!/^\d{1,10}$/.test(value.trim())) throw validationFailed(['Expires in is not a number']);
  return new Date(Date.now() + Number(value.trim()) * 1000);
}

/** The range as stored: host bits cleared (`192.168.1.5/24` → `192.168.1.0/24`), as Ruby's IPAddr keeps it. */
function networkOf(input: string | undefined) {
  if (input === undefined || input.trim() === '') throw validationFailed(["Ip can't be blank"]);
  const cidr = parseCidr(input);
  if (!cidr) throw validationFailed(['Ip is invalid']);
  return sql`network(${`${cidr.address}/${cidr.prefix}`}::inet)::inet`;
}

const forgetAccessMemo = (ctx: AppContext) => accessMemos.delete(ctx);

export async function createIpBlock(ctx: AppContext, input: IpBlockInput, staffAccountId: string | null = null): Promise<IpBlockRow> {
  const ip = networkOf(input.ip);
  const severity = severityOf(input.severity);
  const [created] = await ctx.db
    .insert(ipBlocks)
    .values({ ip, severity, comment: input.comment ?? '', expiresAt: expiresAtOf(input.expiresIn) })
    .onConflictDoNothing()
    .returning();
  if (!created) throw validationFailed(['Ip has already been taken']);
  forgetAccessMemo(ctx);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'IpBlock', targetId: created.id, summary: `blocked IP ${ipWithPrefix(created.ip)} (${created.severity})` });
  return created;
}

export async function updateIpBlock(ctx: AppContext, id: string, input: IpBlockInput, staffAccountId: string | null = null): Promise<IpBlockRow> {
  const block = await findIpBlock(ctx, id);
  const ip = input.ip !== undefined ? networkOf(input.ip) : undefined;
  const severity = input.severity !== undefined ? severityOf(input.severity) : undefined;
  const expiresAt = input.expiresIn !== undefined ? expiresAtOf(input.expiresIn) : undefined;
  if (ip && (await ctx.db.select({ id: ipBlocks.id }).from(ipBlocks).where(sql`${ipBlocks.ip} = ${ip} AND ${ipBlocks.id} <> ${block.id}`)).length > 0) {
    throw validationFailed(['Ip has already been taken']);
  }
  const [updated] = await ctx.db
    .update(ipBlocks)
    .set({ updatedAt: new Date(), ip, severity, expiresAt, comment: input.comment === undefined ? undefined : (input.comment ?? '') })
    .where(eq(ipBlocks.id, block.id))
    .returning();
  forgetAccessMemo(ctx);
  await recordStaffAction(ctx, {
    accountId: staffAccountId,
    action: 'update',
    targetType: 'IpBlock',
    targetId: block.id,
    summary: `changed the block of IP ${ipWithPrefix(updated!.ip)} (${updated!.severity})`,
  });
  return updated!;
}

export function findIpBlock(ctx: AppContext, id: string): Promise<IpBlockRow> {
  return rowById(ctx.db, ipBlocks, id);
}

/** The block of exactly this range (`192.168.1.5/24` finds the `192.168.1.0/24` one), if any. */
export async function findIpBlockByRange(ctx: AppContext, range: string): Promise<IpBlockRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(ipBlocks)
    .where(sql`${ipBlocks.ip} = ${networkOf(range)}`);
  return row;
}

export async function listIpBlocks(ctx: AppContext, page: Page): Promise<IpBlockRow[]> {
  const rows = await ctx.db.select().from(ipBlocks).where(pageCondition(ipBlocks.id, page)).orderBy(pageOrder(ipBlocks.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

export async function removeIpBlock(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<IpBlockRow> {
  const block = await findIpBlock(ctx, id);
  await ctx.db.delete(ipBlocks).where(eq(ipBlocks.id, block.id));
  forgetAccessMemo(ctx);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'IpBlock', targetId: block.id, summary: `unblocked IP ${ipWithPrefix(block.ip)}` });
  return block;
}

const active = sql`(${ipBlocks.expiresAt} IS NULL OR ${ipBlocks.expiresAt} > now())`;

/** The strictest sign-up severity of the unexpired blocks containing `ip` (no_access counts as a sign-up block). */
export async function signUpIpSeverity(ctx: AppContext, ip: string): Promise<IpBlockSeverity | undefined> {
  if (isIP(ip) === 0) return undefined;
  const rows = await ctx.db.select({ severity: ipBlocks.severity }).from(ipBlocks).where(sql`${ipBlocks.ip} >>= ${ip}::inet AND ${active}`);
  const found = new Set(rows.map((row) => row.severity));
  if (found.has('no_access') || found.has('sign_up_block')) return 'sign_up_block';
  if (found.has('sign_up_requires_approval')) return 'sign_up_requires_approval';
  return undefined;
}

/**
 * The `no_access` ranges, asked on every request: kept in each process for a few seconds (a change
 * made through this process is seen at once, one made elsewhere within ACCESS_MEMO_MS), and never
 * past the next expiry of one of them.
 */
const ACCESS_MEMO_MS = 5_000;
const accessMemos = new WeakMap<AppContext, { until: number; list: BlockList }>();

async function loadNoAccess(ctx: AppContext): Promise<{ until: number; list: BlockList }> {
  const rows = await ctx.db.select({ ip: ipBlocks.ip, expiresAt: ipBlocks.expiresAt }).from(ipBlocks).where(sql`${ipBlocks.severity} = 'no_access' AND ${active}`);
  const list = new BlockList();
  let until = Date.now() + ACCESS_MEMO_MS;
  for (const row of rows) {
    const cidr = parseCidr(ipWithPrefix(row.ip));
    if (!cidr) continue;
    list.addSubnet(cidr.address, cidr.prefix, cidr.family === 6 ? 'ipv6' : 'ipv4');
    if (row.expiresAt) until = Math.min(until, row.expiresAt.getTime());
  }
  return { until, list };
}

/** Whether `ip` may not reach the instance at all (an unexpired `no_access` block contains it). */
export async function isAccessBlocked(ctx: AppContext, ip: string): Promise<boolean> {
  const family = isIP(ip);
  if (family === 0) return false;
  let memo = accessMemos.get(ctx);
  if (!memo || memo.until <= Date.now()) {
    memo = await loadNoAccess(ctx);
    accessMemos.set(ctx, memo);
  }
  return memo.list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
