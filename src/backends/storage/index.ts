import type { Readable } from 'node:stream';

/** A byte range of a stored file, both ends included (HTTP Range's semantics). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface FileInfo {
  /** the whole file's size */
  size: number;
  contentType: string;
}

/**
 * Where uploaded media live: the local disk (`local.ts`) or, later, an S3-compatible bucket (an
 * `s3.ts` driver implementing the same interface, picked in `openBackends`). Keys are Mastodon's
 * paths, `media_attachments/files/<id partition>/<style>/<name>.<ext>`.
 */
export interface Storage {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** size and type; undefined when there is no such file */
  head(key: string): Promise<FileInfo | undefined>;
  /** the file's bytes, or the range of them; undefined when there is no such file */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  delete(key: string): Promise<void>;
  /** the public URL the file is served at */
  url(key: string): string;
}
