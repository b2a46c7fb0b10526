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

/** A stored file as a listing shows it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Where uploaded media live: the local disk (`local.ts`) or, later, an S3-compatible bucket (an
 * `s3.ts` driver implementing the same interface, picked in `openBackends`). Keys are Mastodon's
 * paths, `[cache/]<table>/<attachment>/<id partition>/<style>/<name>.<ext>` (such as
 * `media_attachments/files/<id partition>/small/<name>.jpg`): `subspace media remove-orphans` and
 * `usage` find a file's row from its key.
 */
export interface Storage {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** size and type; undefined when there is no such file */
  head(key: string): Promise<FileInfo | undefined>;
  /** the file's bytes, or the range of them; undefined when there is no such file */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** removes the file; a missing file is no error */
  delete(key: string): Promise<void>;
  /** every file whose key starts with `prefix` (`''`: all), read lazily (S3: ListObjectsV2 pages, in key order) */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** the public URL the file is served at */
  url(key: string): string;
}
