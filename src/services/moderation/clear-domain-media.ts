import { eq, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { domainBlocks } from '../../db/schema.ts';
import { accountsOfDomain } from '../relationships/block-domain.ts';
import { clearProfileImages, idList, uncacheAttachments, type ClearedRow } from '../media/media-cache.ts';
import { keysOf, removeStoredFiles } from '../media/stored-files.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';

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
    await removeStoredFiles(
      ctx,
      done.flatMap((row) => row.keys),
      { reason: 'domain media rejected' },
    );
  }
}

/**
 * ClearDomainMediaService: the cached copies of a domain's media (and its subdomains'), avatars and
 * headers and attachments, leave storage, the attachments staying as links to their server
 * (`unknown`) as reject_media wants; its custom emoji are removed.
 */
export async function clearDomainMedia(ctx: AppContext, domain: string): Promise<{ accounts: number; attachments: number; emoji: number }> {
  const ofDomain = accountsOfDomain(domain);
  const accounts = await inBatches(ctx, 'accounts', sql`a.domain IS NOT NULL AND ${ofDomain}`, (ids) => clearProfileImages(ctx.db, ids, 'avatar and header', sql`domain IS NOT NULL`));
  const attachments = await inBatches(
    ctx,
    'media_attachments',
    sql`a.remote_url <> '' AND (a.type <> 'unknown' OR a.file_key IS NOT NULL) AND a.account_id IN (SELECT a.id FROM accounts a WHERE a.domain IS NOT NULL AND ${ofDomain})`,
    async (ids) => {
      const cleared = await uncacheAttachments(ctx.db, ids);
      // links only from now on: shown as `unknown`, as what arrives from the domain afterwards
      await ctx.db.execute(sql`UPDATE media_attachments SET type = 'unknown', updated_at = now() WHERE id IN (${idList(ids)}) AND type <> 'unknown'`);
      return cleared;
    },
  );
  // its custom emoji go (ClearDomainMediaService#clear_emojos!); with reject_media they are not stored again
  const emoji = await inBatches(ctx, 'custom_emojis', sql`a.domain IS NOT NULL AND ${ofDomain}`, async (ids) => {
    const rows = await queryRows<{ id: string; image_file_key: string | null; image_static_file_key: string | null }>(
      ctx.db,
      sql`DELETE FROM custom_emojis WHERE id IN (${idList(ids)}) RETURNING id::text AS id, image_file_key, image_static_file_key`,
    );
    return rows.map((row) => ({ id: row.id, keys: keysOf([{ image: row.image_file_key, still: row.image_static_file_key }]) }));
  });
  // the domain's statuses and accounts show their remote URLs again
  await forgetAllRenderings(ctx);
  return { accounts, attachments, emoji };
}

/** DomainClearMediaWorker: for a block that still rejects media (or suspends). */
export async function clearBlockedDomainMedia(ctx: AppContext, domainBlockId: string): Promise<void> {
  const [block] = await ctx.db.select().from(domainBlocks).where(eq(domainBlocks.id, domainBlockId));
  if (!block || !(block.rejectMedia || block.severity === 'suspend')) return;
  const cleared = await clearDomainMedia(ctx, block.domain);
  ctx.log.info({ domain: block.domain, ...cleared }, 'removed the cached media of a blocked domain');
}
