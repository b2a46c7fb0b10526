import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { customEmojis, domainBlocks } from '../db/schema.ts';
import { accountsOfDomain } from './block-domain.ts';
import { CACHED_REMOTE_ATTACHMENT, clearProfileImages, idList, uncacheAttachments, uncacheEmoji, type ClearedRow } from './media-cache.ts';
import { removeStoredFiles } from './stored-files.ts';

const BATCH = 500;

/** Runs `clear` on the ids of `a` rows of `table` matching `where`, a batch at a time; removes the files it cleared. Returns how many rows were cleared. */
async function inBatches(ctx: AppContext, table: string, where: SQL, clear: (ids: string[]) => Promise<ClearedRow[]>): Promise<number> {
  let after = '0';
  let cleared = 0;
  for (;;) {
    const rows = await queryRows<{ id: string }>(ctx.db, sql`SELECT a.id::text AS id FROM ${sql.identifier(table)} a WHERE ${where} AND a.id > ${after} ORDER BY a.id LIMIT ${BATCH}`);
    if (rows.length === 0) return cleared;
    after = rows.at(-1)!.id;
    const done = await clear(rows.map((row) => row.id));
    cleared += done.length;
    await removeStoredFiles(ctx, done.flatMap((row) => row.keys), { reason: 'domain media rejected' });
  }
}

/**
 * ClearDomainMediaService: the cached copies of a domain's media (and its subdomains'), avatars and
 * headers, attachments and custom emoji, leave storage; the rows stay, shown as links to their
 * server as reject_media wants.
 */
export async function clearDomainMedia(ctx: AppContext, domain: string): Promise<{ accounts: number; attachments: number; emoji: number }> {
  const ofDomain = accountsOfDomain(domain);
  const accounts = await inBatches(ctx, 'accounts', sql`a.domain IS NOT NULL AND ${ofDomain}`, (ids) => clearProfileImages(ctx.db, ids, 'avatar and header', sql`domain IS NOT NULL`));
  const attachments = await inBatches(
    ctx,
    'media_attachments',
    sql`${CACHED_REMOTE_ATTACHMENT} AND a.account_id IN (SELECT a.id FROM accounts a WHERE a.domain IS NOT NULL AND ${ofDomain})`,
    // as ClearDomainMediaService: the attachment becomes a link (type unknown), never fetched again
    (ids) => uncacheAttachments(ctx.db, ids, undefined, true),
  );
  // as ClearDomainMediaService (emojis_from_blocked_domains.destroy_all): the domain's emoji go, rows and files
  const emoji = await inBatches(ctx, 'custom_emojis', sql`a.domain IS NOT NULL AND ${ofDomain}`, async (ids) => {
    const cleared = await uncacheEmoji(ctx.db, ids);
    await ctx.db.delete(customEmojis).where(inArray(customEmojis.id, ids));
    return cleared;
  });
  return { accounts, attachments, emoji };
}

/** DomainClearMediaWorker: for a block that still rejects media (or suspends). */
export async function clearBlockedDomainMedia(ctx: AppContext, domainBlockId: string): Promise<void> {
  const [block] = await ctx.db.select().from(domainBlocks).where(eq(domainBlocks.id, domainBlockId));
  if (!block || !(block.rejectMedia || block.severity === 'suspend')) return;
  const cleared = await clearDomainMedia(ctx, block.domain);
  ctx.log.info({ domain: block.domain, ...cleared }, 'removed the cached media of a blocked domain');
}
