import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { DownloadRefused, downloadRemoteFile } from '../../lib/remote-file.ts';
import { RedownloadAvatar, RedownloadHeader } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ApiError } from '../../lib/errors.ts';
import { ACCOUNT_IMAGE_LIMITS, processAccountImage, type ProcessedAccountImage } from '../accounts/account-image-processing.ts';
import { deleteAccountImageFiles } from '../accounts/account-images.ts';
import { rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import { idPartition } from '../media/media-attachments.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

export type ProfileImage = 'avatar' | 'header';

/** Mastodon's avatar and header limit (AVATAR_LIMIT, HEADER_LIMIT with libvips): what is read of a remote one at most. */
const LIMIT_BYTES = ACCOUNT_IMAGE_LIMITS.fileSize;

const COLUMNS = {
  avatar: { remoteUrl: 'avatarRemoteUrl', fileKey: 'avatarFileKey', staticFileKey: 'avatarStaticFileKey', contentType: 'avatarContentType' },
  header: { remoteUrl: 'headerRemoteUrl', fileKey: 'headerFileKey', staticFileKey: 'headerStaticFileKey', contentType: 'headerContentType' },
} as const;
const JOBS = { avatar: RedownloadAvatar, header: RedownloadHeader };

/**
 * A downloaded avatar or header processed as an uploaded one is (processAccountImage: the avatar
 * cropped to 400×400, the header scaled within Mastodon's pixel budget, upright, without metadata,
 * a GIF animated with a still first frame). Undefined for what an upload would be refused for.
 */
async function processProfileImage(bytes: Buffer, kind: ProfileImage): Promise<ProcessedAccountImage | undefined> {
  try {
    return await processAccountImage(kind, bytes);
  } catch (error) {
    if (error instanceof ApiError) return undefined;
    throw error;
  }
}

const cacheKey = (accountId: string, kind: ProfileImage, style: 'original' | 'static', name: string) => `cache/accounts/${kind}s/${idPartition(accountId)}/${style}/${name}`;

/** Whether this account's images may be downloaded (Mastodon's ProcessAccountService#skip_download?): not suspended, its domain's media not rejected. */
async function mayDownload(ctx: AppContext, account: AccountRow): Promise<boolean> {
  return account.domain !== null && !account.suspendedAt && !(await rejectsMediaFrom(ctx, account.domain));
}

/** Forgets a remote account's stored avatar or header, if it still comes from `url`, and deletes its files. */
async function clearImage(ctx: AppContext, account: AccountRow, kind: ProfileImage, url: string | null) {
  const columns = COLUMNS[kind];
  if (!account[columns.fileKey]) return;
  const [cleared] = await ctx.db
    .update(accounts)
    .set({ [columns.fileKey]: null, [columns.staticFileKey]: null, [columns.contentType]: null })
    .where(
      and(eq(accounts.id, account.id), url === null ? sql`${accounts[columns.remoteUrl]} IS NULL` : eq(accounts[columns.remoteUrl], url), eq(accounts[columns.fileKey], account[columns.fileKey]!)),
    )
    .returning({ id: accounts.id });
  if (cleared) {
    await forgetAccounts(ctx, [account.id]);
    await deleteAccountImageFiles(ctx, [account[columns.fileKey], account[columns.staticFileKey]]);
  }
}

/**
 * Downloads a remote account's avatar or header from where its actor says it is and stores it
 * (Mastodon's Remotable download of `avatar_remote_url`, and its RedownloadAvatarWorker), replacing
 * and deleting the copy it had. A file that will never be had (refused, not an image, too large)
 * leaves the account without one, as Mastodon clears it. Throws DownloadFailed to be tried again.
 */
export async function cacheRemoteAccountImage(ctx: AppContext, accountId: string, kind: ProfileImage): Promise<boolean> {
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account || !(await mayDownload(ctx, account))) return false;
  const columns = COLUMNS[kind];
  const url = account[columns.remoteUrl];
  if (!url) return false;
  let processed: ProcessedAccountImage | undefined;
  try {
    processed = await processProfileImage(await downloadRemoteFile(ctx, url, LIMIT_BYTES), kind);
    if (!processed) throw new DownloadRefused(`${url} is no image this instance takes as an ${kind}`);
  } catch (error) {
    if (error instanceof DownloadRefused) await clearImage(ctx, account, kind, url);
    throw error;
  }
  const name = randomBytes(8).toString('hex');
  const original = cacheKey(account.id, kind, 'original', `${name}.${processed.extension}`);
  const still = processed.static ? cacheKey(account.id, kind, 'static', `${name}.png`) : null;
  try {
    await ctx.storage.put(original, processed.original, processed.contentType);
    if (still && processed.static) await ctx.storage.put(still, processed.static, 'image/png');
    const [updated] = await ctx.db
      .update(accounts)
      .set({ [columns.fileKey]: original, [columns.staticFileKey]: still, [columns.contentType]: processed.contentType })
      .where(and(eq(accounts.id, account.id), eq(accounts[columns.remoteUrl], url)))
      .returning({ id: accounts.id });
    // the actor changed its image meanwhile: the download queued for the new one stores that
    if (!updated) {
      await deleteAccountImageFiles(ctx, [original, still]);
      return false;
    }
    await forgetAccounts(ctx, [account.id]);
  } catch (error) {
    await deleteAccountImageFiles(ctx, [original, still]);
    throw error;
  }
  const previous = [account[columns.fileKey], account[columns.staticFileKey]].filter((key) => key !== original && key !== still);
  await deleteAccountImageFiles(ctx, previous);
  return true;
}

/**
 * What storing a remote actor sets off for its avatar and header (Mastodon's ProcessAccountService
 * assigning `avatar_remote_url`): a new or changed image URL, or one not stored yet, is downloaded
 * in `pull`; an image the actor no longer has is forgotten and its files deleted. Nothing is
 * downloaded for a suspended account or a domain whose media are rejected. Never throws.
 */
export async function queueAccountImageDownloads(ctx: AppContext, previous: AccountRow | undefined, account: AccountRow): Promise<void> {
  try {
    for (const kind of ['avatar', 'header'] as const) {
      const columns = COLUMNS[kind];
      const url = account[columns.remoteUrl];
      if (!url) {
        await clearImage(ctx, account, kind, null);
        continue;
      }
      if (url === previous?.[columns.remoteUrl] && account[columns.fileKey]) continue;
      if (await mayDownload(ctx, account)) await enqueue(ctx, JOBS[kind], { accountId: account.id }, { uniqueKey: `redownload-${kind}:${account.id}` });
    }
  } catch (error) {
    ctx.log.warn({ err: error, accountId: account.id }, 'could not queue the download of a remote account’s images');
  }
}
