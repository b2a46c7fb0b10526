import { and, eq, gt, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, customEmojis, domainBlocks, mediaAttachments } from '../db/schema.ts';

const BATCH = 500;

/** Rows of `domain` and its subdomains, with or without a port (Mastodon's by_domain_and_subdomains). */
function ofDomain(column: SQLWrapper, domain: string): SQL {
  return sql`(lower(${column}) = ${domain} OR lower(${column}) LIKE ${`%.${domain}`} OR lower(${column}) LIKE ${`${domain}:%`} OR lower(${column}) LIKE ${`%.${domain}:%`})`;
}

async function deleteFiles(ctx: AppContext, keys: (string | null)[]) {
  await Promise.allSettled(keys.filter((key): key is string => !!key).map((key) => ctx.storage.delete(key)));
}

/**
 * Mastodon's ClearDomainMediaService, once a domain's media are rejected (or it is suspended): the
 * stored copies of its accounts' avatars and headers and of their attachments are deleted, the
 * attachments becoming `unknown` (shown as links to their origin), and its custom emoji removed.
 */
export async function clearDomainMedia(ctx: AppContext, domain: string): Promise<void> {
  const remote = sql`${mediaAttachments.remoteUrl} <> ''`;
  for (let after = '0'; ; ) {
    const rows = await ctx.db
      .select({ id: accounts.id, files: sql<(string | null)[]>`ARRAY[${accounts.avatarFileKey}, ${accounts.avatarStaticFileKey}, ${accounts.headerFileKey}, ${accounts.headerStaticFileKey}]` })
      .from(accounts)
      .where(and(ofDomain(accounts.domain, domain), gt(accounts.id, after)))
      .orderBy(accounts.id)
      .limit(BATCH);
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const ids = rows.map((row) => row.id);
    await ctx.db
      .update(accounts)
      .set({ avatarFileKey: null, avatarStaticFileKey: null, avatarContentType: null, headerFileKey: null, headerStaticFileKey: null, headerContentType: null })
      .where(inArray(accounts.id, ids));
    await deleteFiles(ctx, rows.flatMap((row) => row.files));
    const media = await ctx.db
      .select({ id: mediaAttachments.id, fileKey: mediaAttachments.fileKey, smallFileKey: mediaAttachments.smallFileKey })
      .from(mediaAttachments)
      .where(and(inArray(mediaAttachments.accountId, ids), remote, sql`(${mediaAttachments.type} <> 'unknown' OR ${mediaAttachments.fileKey} IS NOT NULL)`));
    if (media.length) {
      await ctx.db
        .update(mediaAttachments)
        .set({ type: 'unknown', fileKey: null, smallFileKey: null, fileSize: null, updatedAt: new Date() })
        .where(inArray(mediaAttachments.id, media.map((row) => row.id)));
      await deleteFiles(ctx, media.flatMap((row) => [row.fileKey, row.smallFileKey]));
    }
  }
  const emojis = await ctx.db.delete(customEmojis).where(ofDomain(customEmojis.domain, domain)).returning({ files: sql<(string | null)[]>`ARRAY[${customEmojis.imageFileKey}, ${customEmojis.imageStaticFileKey}]` });
  await deleteFiles(ctx, emojis.flatMap((row) => row.files));
}

/** The `pull` job a new or stricter block queues (DomainClearMediaWorker): nothing when the block is gone or no longer rejects media. */
export async function runDomainClearMedia(ctx: AppContext, data: { domainBlockId: string }): Promise<void> {
  const [block] = await ctx.db.select().from(domainBlocks).where(eq(domainBlocks.id, data.domainBlockId)).limit(1);
  if (!block || !(block.rejectMedia || block.severity === 'suspend')) return;
  await clearDomainMedia(ctx, block.domain);
}
