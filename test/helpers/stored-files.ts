import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorage } from '../../src/backends/storage/local.ts';
import type { Storage, StoredFile } from '../../src/backends/storage/index.ts';
import { baseUrl } from '../../src/config/index.ts';
import type { TestInstance } from './instance.ts';

/**
 * Stored media files as a client sees them, whatever the storage: use these in media tests instead
 * of reading the data dir or fetching `/system/…` paths, so a test passes with local storage (the
 * embedded pass) and with S3 storage (CI's server pass, see test/helpers/s3.ts).
 *
 *   const response = await fetchStoredFile(instance, media.url);        // 200, the bytes
 *   assert.match(storedKey(instance, media.url)!, /^media_attachments\/files\/.+\/original\//);
 *   assert.deepEqual(await storedKeys(instance, 'media_attachments/'), before);
 */

/**
 * GETs a URL the API handed out for a stored file. Local files' URLs name the instance's public
 * domain (LOCAL_DOMAIN, which does not resolve in tests), so they are fetched from the running
 * instance at the same path; any other URL (the S3 bucket or its alias host) is fetched as it is.
 */
export async function fetchStoredFile(instance: TestInstance, url: string, init: RequestInit = {}): Promise<Response> {
  const parsed = new URL(url);
  const target = parsed.origin === new URL(baseUrl(instance.config)).origin ? new URL(parsed.pathname + parsed.search, instance.url) : parsed;
  return fetch(target, init);
}

/** The storage key a file URL of this instance names (`media_attachments/files/…`), or undefined for any other URL. */
export function storedKey(instance: TestInstance, url: string): string | undefined {
  const base = instance.ctx.storage.url('');
  return url.startsWith(base) ? decodeURIComponent(url.slice(base.length)) : undefined;
}

/** The keys of every stored file starting with `prefix`, sorted. */
export async function storedKeys(instance: TestInstance, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const file of instance.ctx.storage.list(prefix)) keys.push(file.key);
  return keys.sort();
}

/** Whether the file a URL of this instance names is in its storage. */
export async function isStored(instance: TestInstance, url: string): Promise<boolean> {
  const key = storedKey(instance, url);
  return key !== undefined && (await instance.ctx.storage.head(key)) !== undefined;
}

/** A RegExp source matching the start of this instance's stored file URLs (`http://domain/system/` or the S3 bucket's). */
export function storedUrlPattern(instance: TestInstance): string {
  return instance.ctx.storage.url('').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const backdated = new WeakMap<Storage, Map<string, Date>>();

/**
 * Makes a stored file look written at `at` to whatever lists the storage (orphan removal spares
 * files younger than an hour): local files get that modification time on disk; S3 cannot set
 * Last-Modified, so this instance's storage lists the file with `at` instead.
 */
export function backdateStoredFile(instance: TestInstance, key: string, at: Date): void {
  const storage = instance.ctx.storage;
  if (storage instanceof LocalStorage) {
    utimesSync(join(storage.root, key), at, at);
    return;
  }
  let times = backdated.get(storage);
  if (!times) {
    const ages = (times = new Map());
    backdated.set(storage, ages);
    const list = storage.list.bind(storage);
    storage.list = async function* (prefix?: string): AsyncIterable<StoredFile> {
      for await (const file of list(prefix)) yield { ...file, lastModified: ages.get(file.key) ?? file.lastModified };
    };
  }
  times.set(key, at);
}
