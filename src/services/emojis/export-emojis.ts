import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { create, WriteEntry } from 'tar';
import type { AppContext } from '../../context.ts';
import { EmojiSourceError } from './import-emojis.ts';
import { categoryExists, localEmojiImage, localEmojis } from './local-emojis.ts';

export const EXPORT_FILE_NAME = 'export.tar.gz';

export interface ExportReport {
  file: string;
  /** the shortcodes written, in order */
  exported: string[];
}

/**
 * tootctl emoji export: the local emoji (those of one category, when given) as `export.tar.gz` in
 * `directory`, each image named by its shortcode, which `emoji import` reads back. An existing
 * archive is kept unless `overwrite`.
 */
export async function exportEmojis(ctx: AppContext, directory: string, options: { category?: string; overwrite?: boolean } = {}): Promise<ExportReport> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) throw new EmojiSourceError(`${directory} is not a directory`);
  const file = join(directory, EXPORT_FILE_NAME);
  if ((await stat(file).catch(() => undefined)) && !options.overwrite) throw new EmojiSourceError(`${file} already exists; use --overwrite to replace it`);
  if (options.category !== undefined && !(await categoryExists(ctx, options.category))) throw new EmojiSourceError(`no emoji are in the category "${options.category}"`);
  const exported: string[] = [];
  const emojis = await localEmojis(ctx, options.category);
  // one image in memory at a time: the archive is written as the entries come
  async function* images() {
    for (const emoji of emojis) {
      const bytes = await localEmojiImage(ctx, emoji);
      if (!bytes) continue;
      exported.push(emoji.shortcode);
      yield new WriteEntry({ path: `${emoji.shortcode}${extname(emoji.imageFileKey!)}`, mode: 0o644, mtime: emoji.updatedAt }, bytes);
    }
  }
  await create({ file, gzip: true }, [images()]);
  return { file, exported };
}
