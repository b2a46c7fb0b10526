import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { emailDomainBlockAttempts, emailDomainBlocks, type EmailDomainBlockRow } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { rowById } from '../../db/row-by-id.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { validDomain } from '../relationships/block-domain.ts';
import { recordStaffAction } from './audit-log.ts';
import type { HistoryDay } from '../../serializers/sign-up-blocks.ts';

/**
 * Mastodon's EmailDomainBlock: sign-ups with an address at a blocked domain, at one of its
 * subdomains, or whose mail goes to a blocked MX host are refused, or with `allow_with_approval`
 * wait for approval. Each sign-up a block stops is kept for its 7-day history.
 */

export type { EmailDomainBlockRow };

export interface EmailDomainBlockInput {
  domain?: string;
  allowWithApproval?: boolean | null;
}

export async function createEmailDomainBlock(ctx: AppContext, input: EmailDomainBlockInput, staffAccountId: string | null = null): Promise<EmailDomainBlockRow> {
  const domain = validDomain(input.domain);
  const [created] = await ctx.db
    .insert(emailDomainBlocks)
    .values({ domain, allowWithApproval: input.allowWithApproval ?? false })
    .onConflictDoNothing()
    .returning();
  if (!created) throw validationFailed(['Domain has already been taken']);
  const summary = `blocked sign-ups from e-mail domain ${domain}${created.allowWithApproval ? ' (allowed with approval)' : ''}`;
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'EmailDomainBlock', targetId: created.id, summary });
  return created;
}

export function findEmailDomainBlock(ctx: AppContext, id: string): Promise<EmailDomainBlockRow> {
  return rowById(ctx.db, emailDomainBlocks, id);
}

/** The block of exactly this domain, if any. */
export async function findEmailDomainBlockByDomain(ctx: AppContext, domain: string): Promise<EmailDomainBlockRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(emailDomainBlocks)
    .where(eq(emailDomainBlocks.domain, validDomain(domain)));
  return row;
}

export async function listEmailDomainBlocks(ctx: AppContext, page: Page): Promise<EmailDomainBlockRow[]> {
  const rows = await ctx.db.select().from(emailDomainBlocks).where(pageCondition(emailDomainBlocks.id, page)).orderBy(pageOrder(emailDomainBlocks.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

export async function removeEmailDomainBlock(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<EmailDomainBlockRow> {
  const block = await findEmailDomainBlock(ctx, id);
  await ctx.db.delete(emailDomainBlocks).where(eq(emailDomainBlocks.id, block.id));
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'EmailDomainBlock', targetId: block.id, summary: `unblocked e-mail domain ${block.domain}` });
  return block;
}

/** A domain and every domain above it: `mail.spam.example` → itself, `spam.example`, `example`. */
export function domainWithParents(domain: string): string[] {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  return labels.map((_, i) => labels.slice(i).join('.')).filter((variant) => variant !== '');
}

/**
 * The block that matches any of `domains` (an address's domain, its MX hosts) or a domain above
 * one of them: a refusing block before one that only asks for approval. The match is recorded
 * (with the address it came from) for the block's history.
 */
export async function matchEmailDomainBlock(ctx: AppContext, domains: string[], attemptIp: string | null): Promise<EmailDomainBlockRow | undefined> {
  const variants = [...new Set(domains.flatMap(domainWithParents))];
  if (variants.length === 0) return undefined;
  const [block] = await ctx.db.select().from(emailDomainBlocks).where(inArray(emailDomainBlocks.domain, variants)).orderBy(emailDomainBlocks.allowWithApproval, desc(emailDomainBlocks.id)).limit(1);
  if (block) await ctx.db.insert(emailDomainBlockAttempts).values({ emailDomainBlockId: block.id, ip: attemptIp });
  return block;
}

const DAY_MS = 86_400_000;

/** Trends::History as the admin API shows it: the last 7 days, today first, counts as strings (accounts: distinct addresses). */
export async function emailDomainBlockHistories(ctx: AppContext, blockIds: string[], now = new Date()): Promise<Map<string, HistoryDay[]>> {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const since = new Date(today - 6 * DAY_MS);
  const counted =
    blockIds.length === 0
      ? []
      : await queryRows<{ block_id: string | number; day: string | number; uses: string | number; accounts: string | number }>(
          ctx.db,
          sql`SELECT email_domain_block_id AS block_id, floor(extract(epoch FROM created_at) / 86400) * 86400 AS day,
                count(*) AS uses, count(DISTINCT ip) AS accounts
              FROM email_domain_block_attempts
              WHERE email_domain_block_id IN (${sql.join(
                blockIds.map((id) => sql`${id}`),
                sql`, `,
              )}) AND created_at >= ${since}
              GROUP BY 1, 2`,
        );
  const byKey = new Map(counted.map((row) => [`${row.block_id}:${Number(row.day)}`, row]));
  return new Map(
    blockIds.map((id) => [
      id,
      Array.from({ length: 7 }, (_, i) => {
        const day = (today - i * DAY_MS) / 1000;
        const row = byKey.get(`${id}:${day}`);
        return { day: String(day), accounts: String(row?.accounts ?? 0), uses: String(row?.uses ?? 0) };
      }),
    ]),
  );
}
