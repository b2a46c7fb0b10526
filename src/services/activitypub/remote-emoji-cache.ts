import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { customEmojis } from '../../db/schema.ts';
import { DownloadRefused, downloadRemoteFile } from '../../lib/remote-file.ts';
import { RedownloadEmoji } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { hostOf, rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import { EMOJI_SIZE_LIMIT, InvalidEmojiError, readEmojiImage, type EmojiImage } from '../emojis/emoji-images.ts';
import { idPartition } from '../media/media-attachments.ts';
import { removeStoredFiles } from '../media/stored-files.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';

/** Mastodon's CustomEmoji::LIMIT: a remote emoji's image, at most. */
const LIMIT_BYTES = EMOJI_SIZE_LIMIT;

/**
 * A downloaded emoji image read as a local one is (readEmojiImage): PNG, GIF or WebP by its content,
 * the original kept as it came (as Mastodon keeps an emoji's), a static PNG of its first frame.
 * Undefined for what a local emoji would be refused for.
 */
async function processEmojiImage(bytes: Buffer): Promise<EmojiImage | undefined> {
  try {
    return await readEmojiImage(bytes);
  } catch (error) {
    if (error instanceof InvalidEmojiError) return undefined;
    throw error;
  }
}

const cacheKey = (id: string, style: 'original' | 'static', name: string) => `cache/custom_emojis/images/${idPartition(id)}/${style}/${name}`;

const deleteFiles = (ctx: AppContext, keys: (string | null)[]) =>
  removeStoredFiles(
    ctx,
    keys.filter((key): key is string => !!key),
    { reason: 'emoji image replaced' },
  );

/**
 * Downloads a remote custom emoji's image and stores it (Mastodon's `image_remote_url=` in
 * Activity#process_emoji), replacing and deleting the copy it had. Not from a domain whose media
 * are rejected. Throws DownloadRefused when the image will never be had (the emoji keeps what it
 * had), DownloadFailed when it may be had later.
 */
export async function cacheRemoteEmoji(ctx: AppContext, id: string): Promise<boolean> {
  const [emoji] = await ctx.db.select().from(customEmojis).where(eq(customEmojis.id, id)).limit(1);
  if (!emoji?.domain || !emoji.imageUrl) return false;
  if ((await rejectsMediaFrom(ctx, emoji.domain)) || (await rejectsMediaFrom(ctx, hostOf(emoji.imageUrl)))) return false;
  const url = emoji.imageUrl;
  const processed = await processEmojiImage(await downloadRemoteFile(ctx, url, LIMIT_BYTES));
  if (!processed) throw new DownloadRefused(`${url} is no image this instance takes as an emoji`);
  const name = randomBytes(8).toString('hex');
  const original = cacheKey(emoji.id, 'original', `${name}.${processed.extension}`);
  const still = cacheKey(emoji.id, 'static', `${name}.png`);
  try {
    await ctx.storage.put(original, processed.original, processed.contentType);
    await ctx.storage.put(still, processed.staticPng, 'image/png');
    const [updated] = await ctx.db
      .update(customEmojis)
      .set({ imageFileKey: original, imageStaticFileKey: still, imageContentType: processed.contentType })
      .where(and(eq(customEmojis.id, emoji.id), eq(customEmojis.imageUrl, url)))
      .returning({ id: customEmojis.id });
    if (!updated) {
      await deleteFiles(ctx, [original, still]);
      return false;
    }
    // the statuses and profiles that show it show the cached copy now
    await forgetAllRenderings(ctx);
  } catch (error) {
    await deleteFiles(ctx, [original, still]);
    throw error;
  }
  await deleteFiles(
    ctx,
    [emoji.imageFileKey, emoji.imageStaticFileKey].filter((key) => key !== original && key !== still),
  );
  return true;
}

/** Queues the download of these remote emoji in `pull`. Never throws: what uses them is stored. */
export async function queueEmojiDownloads(ctx: AppContext, ids: string[]): Promise<void> {
  try {
    for (const id of ids) await enqueue(ctx, RedownloadEmoji, { customEmojiId: id }, { uniqueKey: `redownload-emoji:${id}` });
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not queue the download of remote custom emoji');
  }
}
