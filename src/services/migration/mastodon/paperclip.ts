import { access, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Storage } from '../../../backends/storage/index.ts';

/**
 * Where Mastodon (Paperclip) keeps an attachment's files: `<class>/<attachment>/<id partition>/<style>/<file name>`,
 * under `cache/` for what it cached of other servers. The id partition is the id, padded to nine
 * digits, cut into groups of three (Paperclip's `:id_partition`; digits past the last whole group are dropped).
 */
export function paperclipPath(options: { attachment: string; id: string; style: string; fileName: string; remote: boolean }): string {
  const partition = (options.id.padStart(9, '0').match(/\d{3}/g) ?? []).join('/');
  return `${options.remote ? 'cache/' : ''}${options.attachment}/${partition}/${options.style}/${options.fileName}`;
}

/** A style converted to another format (a video's `small` is a PNG) keeps the base name. */
export function withExtension(fileName: string, extension: string): string {
  const current = extname(fileName);
  return `${current ? fileName.slice(0, -current.length) : fileName}${extension}`;
}

/**
 * What the import does with a media file Mastodon names: copies it from Mastodon's `public/system`
 * into this instance's storage under the same key (`dir`; with `dryRun`, only checks it is there),
 * keeps the key as it is where the files already are in the bucket this instance uses (`s3`), or
 * names none (`none`: the files stay behind).
 */
export type MediaSource = { kind: 'none' } | { kind: 'dir'; dir: string; storage: Storage; dryRun?: boolean } | { kind: 's3' };

export type MediaResult = { key: string } | { skipped: string };

export async function carryFile(media: MediaSource, key: string, contentType: string | null): Promise<MediaResult> {
  if (media.kind === 'none') return { skipped: 'media files (no --media-dir or --media given)' };
  if (media.kind === 's3') return { key };
  let bytes: Buffer;
  try {
    if (media.dryRun) {
      await access(join(media.dir, key));
      return { key };
    }
    bytes = await readFile(join(media.dir, key));
  } catch {
    return { skipped: 'media files missing from --media-dir' };
  }
  await media.storage.put(key, bytes, contentType ?? 'application/octet-stream');
  return { key };
}
