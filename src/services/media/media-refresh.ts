import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, mediaAttachments } from '../../db/schema.ts';
import { idFloor } from '../../lib/ids.ts';
import { normalizeDomain } from '../relationships/domain-blocks.ts';
import { rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import { cacheRemoteAttachment } from '../activitypub/remote-media-cache.ts';
import { CACHEABLE_TYPES } from '../../lib/media-types.ts';
import { eachLimited } from './stored-files.ts';

/** Which attachments `media refresh` looks at (one source, optionally bounded by age), as tootctl's options choose them. */
export interface RefreshScope {
  statusId?: string;
  accountId?: string;
  /** the domain and its subdomains */
  domain?: string;
  /** only attachments made within this many days */
  days?: number;
}

export interface RefreshOptions {
  /** download again attachments that are cached already */
  force: boolean;
  /** count, download nothing */
  dryRun: boolean;
  /** downloads at once */
  concurrency: number;
}

/** What a refresh needs to report its way: how far it got, and each failure. */
export interface RefreshReporter {
  start(total: number): void;
  increment(): void;
  failed(id: string, message: string): void;
}

export interface RefreshResult {
  downloaded: number;
  /** bytes stored (original and preview), or, in a dry run, of the copies there were */
  bytes: number;
}

function conditionsOf(scope: RefreshScope): SQL[] {
  const conditions: SQL[] = [sql`${mediaAttachments.remoteUrl} <> ''`];
  if (scope.statusId) conditions.push(eq(mediaAttachments.statusId, scope.statusId));
  if (scope.accountId) conditions.push(eq(mediaAttachments.accountId, scope.accountId));
  if (scope.domain) {
    const domain = normalizeDomain(scope.domain);
    const like = domain.replace(/[\\%_]/g, '\\$&');
    // its subdomains too, and the domain on any port (remote accounts' domains carry their server's port)
    conditions.push(
      sql`${mediaAttachments.accountId} IN (SELECT id FROM accounts WHERE lower(domain) = ${domain} OR lower(domain) LIKE ${`%.${like}`} OR lower(domain) LIKE ${`${like}:%`} OR lower(domain) LIKE ${`%.${like}:%`})`,
    );
  }
  if (scope.days !== undefined) conditions.push(gt(mediaAttachments.id, idFloor(new Date(Date.now() - scope.days * 86_400_000))));
  return conditions;
}

/**
 * `tootctl media refresh`: downloads again the remote attachments of a status, an account, a
 * domain, or the last days, that have no stored copy (every one with `force`, replacing the copy),
 * except those of domains whose media are rejected; a few at once. An attachment that cannot be
 * had is reported and the rest go on.
 */
export async function refreshRemoteMedia(ctx: AppContext, scope: RefreshScope, options: RefreshOptions, reporter: RefreshReporter): Promise<RefreshResult> {
  const rows = await ctx.db
    .select({ id: mediaAttachments.id, type: mediaAttachments.type, fileKey: mediaAttachments.fileKey, fileSize: mediaAttachments.fileSize, domain: accounts.domain })
    .from(mediaAttachments)
    .leftJoin(accounts, eq(accounts.id, mediaAttachments.accountId))
    .where(and(...conditionsOf(scope)))
    .orderBy(mediaAttachments.id);
  reporter.start(rows.length);
  const result: RefreshResult = { downloaded: 0, bytes: 0 };
  await eachLimited(rows, options.concurrency, async (row) => {
    try {
      if ((row.fileKey && !options.force) || !CACHEABLE_TYPES.has(row.type) || (await rejectsMediaFrom(ctx, row.domain))) return;
      if (options.dryRun) {
        result.downloaded++;
        result.bytes += row.fileSize ?? 0;
        return;
      }
      const cached = await cacheRemoteAttachment(ctx, row.id, { force: true });
      if (cached.cached) {
        result.downloaded++;
        result.bytes += cached.bytes;
      }
    } catch (error) {
      reporter.failed(row.id, error instanceof Error ? error.message : String(error));
    } finally {
      reporter.increment();
    }
  });
  return result;
}
