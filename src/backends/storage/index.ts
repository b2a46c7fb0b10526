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

export interface PutOptions {
  private?: boolean;
}

/** Keys of files served only through the instance (account archives), never at `/system/`. */
export const PRIVATE_KEY_PREFIX = 'backups/';

export interface StoredFile {
  key: string;
  size: number;
  lastModified: Date;
  /** the object's ETag, from S3 (what changes when its bytes do) */
  etag?: string;
}

/**
 * Where uploaded media live: the local disk (`local.ts`) or an S3-compatible bucket (`s3.ts`),
 * picked in `openBackends`. Keys are Mastodon's paths, `media_attachments/files/<id partition>/<style>/<name>.<ext>`,
 * (cached copies of other servers' files under `cache/`: `subspace media remove-orphans` and `usage`
 * find a file's row from its key), and a file's public URL is `url(key)`: `/system/<key>` on the web role, or the bucket's (CDN's) URL.
 * A call that cannot reach the store throws a StorageUnavailableError (a request answers 503).
 */
export interface Storage {
  /** `local`: the web role serves the files at `/system/<key>`; `s3`: the bucket (or its CDN) does */
  readonly kind: 'local' | 's3';
  /**
   * stores a file whole (replacing one of the same key): a reader never sees it half-written.
   * `private`: a file only the instance serves (an account archive): S3 stores it with the
   * `private` ACL (as Mastodon's backups), and `/system/` does not serve it from the local disk.
   */
  put(key: string, bytes: Buffer, contentType: string, options?: PutOptions): Promise<void>;
  /** size and type; undefined when there is no such file */
  head(key: string): Promise<FileInfo | undefined>;
  /**
   * the file's bytes, or the range of them; undefined when there is no such file. Read it through
   * promptly (into memory or a temporary file): from S3, a connection left silent for
   * `S3_READ_TIMEOUT` seconds fails the stream.
   */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** removes a file; nothing happens when there is none */
  delete(key: string): Promise<void>;
  /** removes many files, in as few requests as the store allows (S3: `S3_BATCH_DELETE_LIMIT` a request) */
  deleteMany(keys: string[]): Promise<void>;
  /** every stored file whose key starts with `prefix`, in no set order (for cleanups: orphaned files) */
  list(prefix?: string): AsyncIterable<StoredFile>;
  /** the public URL the file is served at */
  url(key: string): string;
  /** resolves when files can be stored: the media directory is writable, or the bucket answers */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Mastodon's Cache-Control for stored files: a file never changes under its name. */
export const MEDIA_CACHE_CONTROL = 'public, max-age=315576000, immutable';

/** A store that refused or failed an operation (Mastodon lets such errors through: a 500). */
export class StorageError extends Error {}

/** A store that could not be reached, timed out or answered with a server error: try again later (503). */
export class StorageUnavailableError extends StorageError {}
