import { randomBytes } from 'node:crypto';

/** Paperclip's `:id_partition`: the id zero-padded to nine digits, in groups of three. */
export function idPartition(id: string): string {
  return id.padStart(9, '0').match(/\d{3}/g)!.join('/');
}

/** A stored file's name as Paperclip makes it: 16 random hex digits (the styles of one file share them) and the extension. */
export const randomFileBase = () => randomBytes(8).toString('hex');
export const randomFileName = (extension: string) => `${randomFileBase()}.${extension}`;

/** Mastodon's path of an upload's file in one style: `media_attachments/files/<id partition>/<style>/<name>`. */
export const mediaFileKey = (id: string, style: 'original' | 'small', name: string) => `media_attachments/files/${idPartition(id)}/${style}/${name}`;

/** Mastodon's path of a video's or audio's thumbnail: `media_attachments/thumbnails/<id partition>/original/<name>`. */
export const thumbnailFileKey = (id: string, name: string) => `media_attachments/thumbnails/${idPartition(id)}/original/${name}`;
