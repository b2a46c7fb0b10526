import { domainToASCII } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accountDomainBlocks } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { FeedUnmerge } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { publishEvent } from '../instance/events.ts';
import { recountFollows } from './follow-counters.ts';
import { finishPage, type Page, pageCondition, pageOrder } from '../feeds/pagination.ts';
import { deliverFollowEnded } from '../activitypub/relationship-deliveries.ts';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A domain as Mastodon stores it (TagManager#normalize_domain): trimmed, lower case, punycode. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '');
  const ascii = domainToASCII(trimmed);
  return (ascii || trimmed).toLowerCase();
}

/**
 * `POST /api/v1/domain_blocks` (Account#block_domain! and AfterBlockDomainFromAccountService):
 * hides the domain, removes the member's followers and pending follow requests from it (each
 * told with a Reject) and the notifications it sent; the member's own follows of accounts there stay.
 */
export async function blockDomain(ctx: AppContext, accountId: string, input: string) {
  if (input.trim() === '') throw validationFailed(["Domain can't be blank"]);
  const domain = normalizeDomain(input);
  if (!DOMAIN.test(domain)) throw validationFailed(['Domain is not a valid domain name']);
  const created = await ctx.db.insert(accountDomainBlocks).values({ accountId, domain }).onConflictDoNothing().returning({ id: accountDomainBlocks.id });
  if (created.length) await publishEvent(ctx, { type: 'domain_block.created', accountId, domain });

  type Ended = { id: string | number; follow_id: string | number; uri: string | null };
  const followers = await queryRows<Ended>(
    ctx.db,
    sql`DELETE FROM follows f USING accounts a WHERE f.target_account_id = ${accountId} AND a.id = f.account_id AND lower(a.domain) = ${domain} RETURNING a.id, f.id AS follow_id, f.uri`,
  );
  const requesters = await queryRows<Ended>(
    ctx.db,
    sql`DELETE FROM follow_requests r USING accounts a WHERE r.target_account_id = ${accountId} AND a.id = r.account_id AND lower(a.domain) = ${domain} RETURNING a.id, r.id AS follow_id, r.uri`,
  );
  // their follow_request notifications go with every other notification from that domain, below
  await ctx.db.execute(sql`DELETE FROM notifications n USING accounts a WHERE n.account_id = ${accountId} AND a.id = n.from_account_id AND lower(a.domain) = ${domain}`);
  if (followers.length) {
    const ids = followers.map((row) => String(row.id));
    await recountFollows(ctx, [accountId, ...ids]);
    for (const id of ids) {
      await enqueue(ctx, FeedUnmerge, { accountId: id, targetAccountId: accountId });
    }
  }
  for (const ended of [...followers, ...requesters]) {
    await deliverFollowEnded(ctx, String(ended.id), accountId, { id: String(ended.follow_id), uri: ended.uri });
  }
}

/** `DELETE /api/v1/domain_blocks`. */
export async function unblockDomain(ctx: AppContext, accountId: string, input: string) {
  const domain = normalizeDomain(input);
  const removed = await ctx.db
    .delete(accountDomainBlocks)
    .where(and(eq(accountDomainBlocks.accountId, accountId), eq(accountDomainBlocks.domain, domain)))
    .returning({ id: accountDomainBlocks.id });
  if (removed.length) await publishEvent(ctx, { type: 'domain_block.removed', accountId, domain });
}

/** `GET /api/v1/domain_blocks`: a page of the domains the member blocks, with the blocks' ids (the page's cursor). */
export async function blockedDomains(ctx: AppContext, accountId: string, page: Page): Promise<{ id: string; domain: string }[]> {
  const rows = await queryRows<{ id: string; domain: string }>(
    ctx.db,
    sql`SELECT d.id::text AS id, d.domain FROM account_domain_blocks d WHERE d.account_id = ${accountId} AND ${pageCondition(sql`d.id`, page)}
        ORDER BY ${pageOrder(sql`d.id`, page)} LIMIT ${page.limit}`,
  );
  return finishPage(rows, page);
}

/** What blocking a domain would sever: the member's follows of accounts there and followers from there. */
export async function domainBlockPreview(ctx: AppContext, accountId: string, domain: string): Promise<{ followingCount: number; followersCount: number }> {
  const [row] = await queryRows<{ following_count: string | number; followers_count: string | number }>(
    ctx.db,
    sql`SELECT
          (SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = ${accountId} AND lower(a.domain) = ${domain}) AS following_count,
          (SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${accountId} AND lower(a.domain) = ${domain}) AS followers_count`,
  );
  return { followingCount: Number(row?.following_count ?? 0), followersCount: Number(row?.followers_count ?? 0) };
}
