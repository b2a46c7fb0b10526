import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { customEmojis, domainBlocks } from '../../db/schema.ts';
import { forgetListedCustomEmojis, type CustomEmojiRow } from './custom-emojis.ts';
import { checkShortcode, readEmojiImage } from './emoji-images.ts';
import { idPartition } from '../media/media-attachments.ts';
import { keysOf, removeStoredFiles } from '../media/stored-files.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';

/*
 * The local custom emoji, as Mastodon's admin keeps them (tootctl emoji, the admin pages): their
 * image and its static first frame in storage under Paperclip's paths, a category, whether the
 * picker shows them, whether they are disabled.
 */

const imageKey = (id: string, style: 'original' | 'static', name: string) => `custom_emojis/images/${idPartition(id)}/${style}/${name}`;

/** Blank or absent means no category. */
const categoryName = (category: string | null | undefined) => category?.trim() || null;

/** The local emoji with this shortcode, whatever its case (tootctl's `LOWER(shortcode) = ?`). */
export async function findLocalEmoji(ctx: AppContext, shortcode: string): Promise<CustomEmojiRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), sql`lower(${customEmojis.shortcode}) = lower(${shortcode})`))
    .orderBy(asc(customEmojis.id))
    .limit(1);
  return row;
}

export interface LocalEmojiInput {
  shortcode: string;
  bytes: Buffer;
  category?: string | null;
  visibleInPicker?: boolean;
  /** replace the image (and category and picker setting) of an emoji that has this shortcode already */
  overwrite?: boolean;
}

/** `exists`: an emoji had the shortcode already and was left as it was. */
export type SaveOutcome = 'created' | 'replaced' | 'exists';

async function deleteFiles(ctx: AppContext, rows: readonly Pick<CustomEmojiRow, 'imageFileKey' | 'imageStaticFileKey'>[]): Promise<void> {
  await removeStoredFiles(ctx, keysOf(rows.map((row) => ({ image: row.imageFileKey, still: row.imageStaticFileKey }))), { reason: 'emoji removed' });
}

/**
 * Adds a local emoji, or with `overwrite` replaces the one with its shortcode, as tootctl emoji
 * import saves each file: the shortcode checked, the image read (InvalidEmojiError for either),
 * then its files stored and the row written; a replaced image's files are removed afterwards.
 */
export async function saveLocalEmoji(ctx: AppContext, input: LocalEmojiInput): Promise<SaveOutcome> {
  checkShortcode(input.shortcode);
  const existing = await findLocalEmoji(ctx, input.shortcode);
  if (existing && !input.overwrite) return 'exists';
  const image = await readEmojiImage(input.bytes);
  const id = existing?.id ?? (await queryRows<{ id: string }>(ctx.db, sql`SELECT timestamp_id()::text AS id`))[0]!.id;
  const name = randomBytes(8).toString('hex');
  const keys = { original: imageKey(id, 'original', `${name}.${image.extension}`), static: imageKey(id, 'static', `${name}.png`) };
  const values = {
    imageFileKey: keys.original,
    imageStaticFileKey: keys.static,
    imageContentType: image.contentType,
    category: categoryName(input.category),
    visibleInPicker: input.visibleInPicker ?? true,
    updatedAt: new Date(),
  };
  let outcome: SaveOutcome;
  try {
    await ctx.storage.put(keys.original, image.original, image.contentType);
    await ctx.storage.put(keys.static, image.staticPng, 'image/png');
    if (existing) {
      await ctx.db.update(customEmojis).set(values).where(eq(customEmojis.id, existing.id));
      outcome = 'replaced';
    } else {
      const created = await ctx.db
        .insert(customEmojis)
        .values({ id, shortcode: input.shortcode, ...values })
        .onConflictDoNothing()
        .returning({ id: customEmojis.id });
      outcome = created.length ? 'created' : 'exists';
    }
  } catch (error) {
    await deleteFiles(ctx, [{ imageFileKey: keys.original, imageStaticFileKey: keys.static }]);
    throw error;
  }
  if (outcome === 'exists') await deleteFiles(ctx, [{ imageFileKey: keys.original, imageStaticFileKey: keys.static }]);
  if (existing && outcome === 'replaced') await deleteFiles(ctx, [existing]);
  await forgetListedCustomEmojis(ctx);
  await forgetAllRenderings(ctx);
  return outcome;
}

export interface LocalEmojiChanges {
  /** null removes it */
  category?: string | null;
  visibleInPicker?: boolean;
  disabled?: boolean;
}

/** Changes a local emoji's category, picker visibility or disabled state; undefined when there is none by that shortcode. */
export async function modifyLocalEmoji(ctx: AppContext, shortcode: string, changes: LocalEmojiChanges): Promise<CustomEmojiRow | undefined> {
  const emoji = await findLocalEmoji(ctx, shortcode);
  if (!emoji) return undefined;
  const [updated] = await ctx.db
    .update(customEmojis)
    .set({
      ...(changes.category !== undefined ? { category: categoryName(changes.category) } : {}),
      ...(changes.visibleInPicker !== undefined ? { visibleInPicker: changes.visibleInPicker } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
      updatedAt: new Date(),
    })
    .where(eq(customEmojis.id, emoji.id))
    .returning();
  await forgetListedCustomEmojis(ctx);
  await forgetAllRenderings(ctx);
  return updated;
}

/** The local emoji, by shortcode; only those of `category` when it is given. */
export async function localEmojis(ctx: AppContext, category?: string): Promise<CustomEmojiRow[]> {
  return ctx.db
    .select()
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), category === undefined ? undefined : eq(customEmojis.category, category)))
    .orderBy(asc(customEmojis.shortcode));
}

/** Whether some local emoji is in this category (tootctl's CustomEmojiCategory.find_by(name:)). */
export async function categoryExists(ctx: AppContext, category: string): Promise<boolean> {
  const [row] = await ctx.db
    .select({ id: customEmojis.id })
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.category, category)))
    .limit(1);
  return !!row;
}

/** Which emoji a purge removes: all, the remote ones, or those of servers under a suspension (and their subdomains). */
export type PurgeScope = 'all' | 'remote' | 'suspended';

function purgeCondition(scope: PurgeScope): SQL | undefined {
  if (scope === 'all') return undefined;
  if (scope === 'remote') return isNotNull(customEmojis.domain);
  return sql`EXISTS (SELECT 1 FROM ${domainBlocks} b WHERE b.severity = 'suspend'
    AND (${customEmojis.domain} = b.domain OR ${customEmojis.domain} LIKE '%.' || b.domain))`;
}

const PURGE_BATCH = 500;

/** Removes emoji rows and their stored files, a batch at a time; returns how many went. */
export async function purgeEmojis(ctx: AppContext, scope: PurgeScope): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = await ctx.db
      .select({ id: customEmojis.id, imageFileKey: customEmojis.imageFileKey, imageStaticFileKey: customEmojis.imageStaticFileKey })
      .from(customEmojis)
      .where(purgeCondition(scope))
      .orderBy(asc(customEmojis.id))
      .limit(PURGE_BATCH);
    if (batch.length === 0) break;
    await ctx.db.delete(customEmojis).where(
      inArray(
        customEmojis.id,
        batch.map((row) => row.id),
      ),
    );
    await deleteFiles(ctx, batch);
    removed += batch.length;
  }
  if (scope === 'all') await forgetListedCustomEmojis(ctx);
  if (removed) await forgetAllRenderings(ctx);
  return removed;
}

/** Removes one local emoji and its files; false when there is none by that shortcode. */
export async function deleteLocalEmoji(ctx: AppContext, shortcode: string): Promise<boolean> {
  const emoji = await findLocalEmoji(ctx, shortcode);
  if (!emoji) return false;
  await ctx.db.delete(customEmojis).where(eq(customEmojis.id, emoji.id));
  await deleteFiles(ctx, [emoji]);
  await forgetListedCustomEmojis(ctx);
  await forgetAllRenderings(ctx);
  return true;
}

/** The bytes of a local emoji's stored image, or undefined when its file is missing. */
export async function localEmojiImage(ctx: AppContext, emoji: CustomEmojiRow): Promise<Buffer | undefined> {
  if (!emoji.imageFileKey) return undefined;
  const stream = await ctx.storage.get(emoji.imageFileKey);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
