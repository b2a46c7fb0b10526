import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { MEDIA_CACHE_CONTROL, StorageError, StorageUnavailableError, type Storage } from '../../src/backends/storage/index.ts';
import { LocalStorage } from '../../src/backends/storage/local.ts';
import { S3Storage } from '../../src/backends/storage/s3.ts';
import { storageFromEnv } from '../../src/config/storage.ts';
import { mediaAttachments } from '../../src/db/schema.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { ownAddress, ownPort } from '../helpers/loopback.ts';
import { createBucket, s3Env, startS3rver, type S3rverHandle } from '../helpers/s3.ts';
import { fetchStoredFile, storedKey, storedKeys } from '../helpers/stored-files.ts';

let s3: S3rverHandle;
const dirs: string[] = [];
const opened: Storage[] = [];

before(async () => {
  s3 = await startS3rver();
});
after(async () => {
  for (const storage of opened) await storage.close();
  await s3?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An S3Storage on a fresh bucket of the test's s3rver, configured from Mastodon's variables. */
async function s3Storage(extra: Record<string, string> = {}, endpoint = s3.endpoint): Promise<S3Storage> {
  const bucket = endpoint === s3.endpoint ? await createBucket(endpoint) : 'no-such-server';
  const config = storageFromEnv(s3Env(endpoint, bucket, extra));
  assert.equal(config.kind, 's3');
  const storage = new S3Storage(config as Extract<typeof config, { kind: 's3' }>);
  opened.push(storage);
  return storage;
}

function localStorage(): LocalStorage {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-storage-'));
  dirs.push(dir);
  return new LocalStorage(dir, 'https://example.com');
}

async function bytesOf(stream: Readable | undefined): Promise<Buffer> {
  assert.ok(stream, 'the file is there');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every byte value, in a file large enough to span many network reads. */
const everyByte = () => Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);

for (const [name, open] of [
  ['local disk', async () => localStorage()],
  ['S3 (s3rver)', () => s3Storage()],
] as const) {
  describe(`storage driver: ${name}`, () => {
    it('stores, describes, reads (whole and ranges), lists and deletes files, byte for byte', async () => {
      const storage: Storage = await open();
      const bytes = everyByte();
      const key = 'media_attachments/files/000/000/001/original/0123456789abcdef.jpg';
      await storage.put(key, bytes, 'image/jpeg');
      assert.deepEqual(await storage.head(key), { size: bytes.length, contentType: 'image/jpeg' });
      assert.ok((await bytesOf(await storage.get(key))).equals(bytes), 'the bytes read back are the bytes stored');
      // (not 0-0: s3rver answers that with the whole file, as if the range had no end)
      assert.ok((await bytesOf(await storage.get(key, { start: 0, end: 1 }))).equals(bytes.subarray(0, 2)));
      assert.ok((await bytesOf(await storage.get(key, { start: 1000, end: 1999 }))).equals(bytes.subarray(1000, 2000)));
      assert.ok((await bytesOf(await storage.get(key, { start: bytes.length - 5, end: bytes.length - 1 }))).equals(bytes.subarray(-5)));

      await storage.put(key, Buffer.from('replaced'), 'image/jpeg');
      assert.equal((await bytesOf(await storage.get(key))).toString(), 'replaced', 'a put replaces the file whole');

      const png = 'media_attachments/files/000/000/002/small/fedcba9876543210.png';
      const mp4 = 'media_attachments/files/000/000/003/original/aaaaaaaaaaaaaaaa.mp4';
      const emoji = 'custom_emojis/images/000/000/001/original/blobcat.png';
      await storage.put(png, Buffer.from('png'), 'image/png');
      await storage.put(mp4, Buffer.from('mp4'), 'video/mp4');
      await storage.put(emoji, Buffer.from('emoji'), 'image/png');
      assert.equal((await storage.head(png))?.contentType, 'image/png');
      assert.equal((await storage.head(mp4))?.contentType, 'video/mp4');

      const list = async (prefix?: string) => {
        const files = [];
        for await (const file of storage.list(prefix)) files.push(file);
        return files.sort((a, b) => a.key.localeCompare(b.key));
      };
      const all = await list();
      assert.deepEqual(
        all.map((file) => file.key),
        [emoji, key, png, mp4],
      );
      assert.equal(all.find((file) => file.key === key)?.size, 'replaced'.length);
      assert.ok(all.every((file) => file.lastModified instanceof Date && Math.abs(file.lastModified.getTime() - Date.now()) < 60_000));
      assert.deepEqual(
        (await list('media_attachments/')).map((file) => file.key),
        [key, png, mp4],
      );
      assert.deepEqual(
        (await list('media_attachments/files/000/000/00')).map((file) => file.key),
        [key, png, mp4],
      );
      assert.deepEqual(
        (await list('media_attachments/files/000/000/002/')).map((file) => file.key),
        [png],
      );
      assert.deepEqual(await list('accounts/'), []);

      await storage.delete(key);
      await storage.delete(key);
      assert.equal(await storage.head(key), undefined);
      assert.equal(await storage.get(key), undefined);
      assert.equal(await storage.get('media_attachments/never/stored.jpg', { start: 0, end: 10 }), undefined);
      await storage.deleteMany([png, mp4, 'media_attachments/never/stored.jpg']);
      assert.deepEqual(
        (await list()).map((file) => file.key),
        [emoji],
      );
      await storage.deleteMany([]);
    });
  });
}

describe('S3 driver, as Mastodon configures it', () => {
  it('sends each object with its Content-Type, Mastodon’s Cache-Control and a public-read ACL, never aws-chunked', async () => {
    const storage = await s3Storage();
    const key = 'media_attachments/files/000/000/010/original/0000000000000001.png';
    const bytes = everyByte();
    const before = s3.requests.length;
    await storage.put(key, bytes, 'image/png');
    const put = s3.requests.slice(before).find((request) => request.method === 'PUT');
    assert.ok(put, 'a PUT reached the server');
    assert.equal(put.headers['x-amz-acl'], 'public-read');
    assert.equal(put.headers['cache-control'], MEDIA_CACHE_CONTROL);
    assert.equal(put.headers['content-type'], 'image/png');
    assert.equal(put.headers['content-length'], String(bytes.length), 'the plain bytes, no chunk framing');
    assert.equal(put.headers['content-encoding'], undefined);
    assert.doesNotMatch(String(put.headers['x-amz-content-sha256']), /STREAMING/);
    assert.equal(put.headers['x-amz-storage-class'], undefined);

    // as a browser or another server fetches it: from the bucket, unsigned
    const response = await fetch(storage.url(key));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=315576000, immutable');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes), 'served byte for byte');
    const part = await fetch(storage.url(key), { headers: { range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20)));
  });

  it('sends the S3_PERMISSION ACL, none when it is empty, and S3_STORAGE_CLASS', async () => {
    const aclOf = async (storage: S3Storage) => {
      const before = s3.requests.length;
      await storage.put('a/b.jpg', Buffer.from('x'), 'image/jpeg');
      const put = s3.requests.slice(before).find((request) => request.method === 'PUT')!;
      return { acl: put.headers['x-amz-acl'], storageClass: put.headers['x-amz-storage-class'] };
    };
    assert.deepEqual(await aclOf(await s3Storage({ S3_PERMISSION: 'private', S3_STORAGE_CLASS: 'STANDARD_IA' })), { acl: 'private', storageClass: 'STANDARD_IA' });
    assert.deepEqual(await aclOf(await s3Storage({ S3_PERMISSION: '' })), { acl: undefined, storageClass: undefined });
  });

  it('stores a private file (an account archive) with the private ACL, none when S3_PERMISSION is empty', async () => {
    const aclOf = async (storage: S3Storage) => {
      const before = s3.requests.length;
      await storage.put('backups/dumps/000/000/001/original/archive.zip', Buffer.from('zip'), 'application/zip', { private: true });
      return s3.requests.slice(before).find((request) => request.method === 'PUT')!.headers['x-amz-acl'];
    };
    assert.equal(await aclOf(await s3Storage()), 'private');
    assert.equal(await aclOf(await s3Storage({ S3_PERMISSION: '' })), undefined);
  });

  it('uploads files from S3_MULTIPART_THRESHOLD on in parts, read back byte for byte', async () => {
    const storage = await s3Storage({ S3_MULTIPART_THRESHOLD: String(1024 * 1024) });
    const bytes = Buffer.concat([everyByte(), randomBytes(6 * 1024 * 1024)]);
    const key = 'media_attachments/files/000/000/011/original/0000000000000002.mp4';
    const before = s3.requests.length;
    await storage.put(key, bytes, 'video/mp4');
    const requests = s3.requests.slice(before);
    assert.ok(
      requests.some((request) => request.method === 'POST' && /[?&]uploads(=|&|$)/.test(request.url)),
      'a multipart upload was started',
    );
    const parts = requests.filter((request) => request.method === 'PUT' && /partNumber=/.test(request.url));
    assert.equal(parts.length, 2, '5 MiB parts');
    assert.ok(parts.every((request) => request.headers['content-encoding'] === undefined));
    assert.deepEqual(await storage.head(key), { size: bytes.length, contentType: 'video/mp4' });
    assert.ok((await bytesOf(await storage.get(key))).equals(bytes));
    assert.equal((await fetch(storage.url(key))).headers.get('cache-control'), MEDIA_CACHE_CONTROL);

    // a part the server fails: the upload is abandoned, nothing is stored, the caller hears of it
    s3.failWhen((request) => request.method === 'PUT' && /partNumber=2/.test(request.url));
    try {
      await assert.rejects(storage.put('media_attachments/failed.mp4', bytes, 'video/mp4'), StorageUnavailableError);
    } finally {
      s3.failWhen(undefined);
    }
    assert.equal(await storage.head('media_attachments/failed.mp4'), undefined);
  });

  it('hands out Mastodon’s URLs: the alias (CDN) host, else the bucket’s path-style URL, under S3_KEY_PREFIX', async () => {
    const key = 'media_attachments/files/000/000/001/original/abc.jpg';
    const url = (env: Record<string, string>) => {
      const config = storageFromEnv({ S3_ENABLED: 'true', S3_BUCKET: 'mastodon-files', ...env });
      return new S3Storage(config as Extract<typeof config, { kind: 's3' }>).url(key);
    };
    assert.equal(url({}), `https://s3-us-east-1.amazonaws.com/mastodon-files/${key}`);
    assert.equal(url({ S3_REGION: 'eu-west-1' }), `https://s3-eu-west-1.amazonaws.com/mastodon-files/${key}`);
    assert.equal(url({ S3_ALIAS_HOST: 'files.example.com' }), `https://files.example.com/${key}`);
    assert.equal(url({ S3_CLOUDFRONT_HOST: 'd111.cloudfront.net' }), `https://d111.cloudfront.net/${key}`);
    assert.equal(url({ S3_ALIAS_HOST: 'example.com/system/', S3_PROTOCOL: 'http' }), `http://example.com/system/${key}`);
    assert.equal(url({ S3_ENDPOINT: 'https://nyc3.digitaloceanspaces.com', S3_HOSTNAME: 'cdn.nyc3.example' }), `https://cdn.nyc3.example/mastodon-files/${key}`);
    assert.equal(url({ S3_ENDPOINT: 'https://minio.internal:9000' }), `https://minio.internal:9000/mastodon-files/${key}`);
    assert.equal(url({ S3_ALIAS_HOST: 'files.example.com', S3_KEY_PREFIX: '/prod/' }), `https://files.example.com/prod/${key}`);

    // against s3rver: without the alias host the URL is the endpoint's path-style one, and it serves the file
    const plain = await s3Storage({ S3_ALIAS_HOST: '' });
    await plain.put(key, Buffer.from('plain'), 'image/jpeg');
    assert.match(plain.url(key), new RegExp(`^${s3.endpoint}/subspace-test-[0-9a-f]{12}/${key}$`));
    assert.equal(await (await fetch(plain.url(key))).text(), 'plain');

    // with a key prefix the objects live under it, and keys are handed back without it
    const prefixed = await s3Storage({ S3_KEY_PREFIX: 'instance-1' });
    await prefixed.put(key, Buffer.from('prefixed'), 'image/jpeg');
    assert.match(prefixed.url(key), new RegExp(`/subspace-test-[0-9a-f]{12}/instance-1/${key}$`));
    assert.equal(await (await fetch(prefixed.url(key))).text(), 'prefixed');
    const keys = [];
    for await (const file of prefixed.list('media_attachments/')) keys.push(file.key);
    assert.deepEqual(keys, [key]);
    assert.equal((await prefixed.head(key))?.size, 'prefixed'.length);
  });

  it('fails clearly: a store out of reach or silent is unavailable within the timeouts, a missing bucket is an error', async () => {
    // nothing listens on the file's own address but what it starts
    const unreachable = await s3Storage({ S3_OPEN_TIMEOUT: '1' }, `http://${ownAddress()}:${ownPort()}`);
    await assert.rejects(unreachable.put('a/b.jpg', Buffer.from('x'), 'image/jpeg'), (error: unknown) => {
      assert.ok(error instanceof StorageUnavailableError, String(error));
      assert.match(error.message, /^S3 PutObject of a\/b\.jpg failed: /);
      return true;
    });
    await assert.rejects(unreachable.head('a/b.jpg'), StorageUnavailableError);

    // a server that takes the connection and never answers: S3_READ_TIMEOUT bounds the wait
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const stalled = await s3Storage({ S3_READ_TIMEOUT: '1' }, `http://127.0.0.1:${port}`);
      const started = Date.now();
      await assert.rejects(stalled.put('a/b.jpg', Buffer.from('x'), 'image/jpeg'), StorageUnavailableError);
      assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }

    const config = storageFromEnv(s3Env(s3.endpoint, 'bucket-that-was-never-made'));
    const noBucket = new S3Storage(config as Extract<typeof config, { kind: 's3' }>);
    opened.push(noBucket);
    await assert.rejects(noBucket.put('a/b.jpg', Buffer.from('x'), 'image/jpeg'), (error: unknown) => {
      assert.ok(error instanceof StorageError && !(error instanceof StorageUnavailableError), String(error));
      assert.match(error.message, /NoSuchBucket/);
      return true;
    });
  });
});

describe('media uploads on an instance storing them in S3', () => {
  let instance: TestInstance;
  let token: string;
  let accountId: string;

  before(async () => {
    const bucket = await createBucket(s3.endpoint);
    instance = await startInstance({ env: s3Env(s3.endpoint, bucket) });
    const alice = await instance.createUser('alice');
    token = alice.token;
    accountId = alice.accountId;
  });
  after(async () => instance?.close());

  async function upload(bytes: Buffer) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg');
    const response = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  }

  it('hands out URLs on the alias host that serve the processed image and its preview; /system/ is not served', async () => {
    const photo = await sharp({ create: { width: 900, height: 1200, channels: 3, background: '#2a6' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const uploaded = await upload(photo);
    assert.equal(uploaded.status, 200, uploaded.text);
    const media = uploaded.body;
    const aliasBase = `http://${instance.env.S3_ALIAS_HOST}/`;
    assert.match(media.url, new RegExp(`^${aliasBase}media_attachments/files/(\\d{3}/)+original/[0-9a-f]{16}\\.jpg$`));
    assert.match(media.preview_url, new RegExp(`^${aliasBase}media_attachments/files/(\\d{3}/)+small/[0-9a-f]{16}\\.jpg$`));

    for (const [url, style] of [
      [media.url, 'original'],
      [media.preview_url, 'small'],
    ] as const) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
      assert.equal(response.headers.get('cache-control'), MEDIA_CACHE_CONTROL);
      const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.equal(`${metadata.width}x${metadata.height}`, media.meta[style].size, `${style} as processed (rotated, bounded)`);
      assert.equal(metadata.orientation, undefined);
    }
    assert.equal(media.meta.original.size, '1200x900');

    const key = storedKey(instance, media.url)!;
    assert.equal((await fetch(new URL(`/system/${key}`, instance.url))).status, 404, 'the web role serves no files with S3 (as Mastodon)');
    assert.equal((await fetchStoredFile(instance, media.url)).status, 200);

    const deleted = await instance.request('DELETE', `/api/v1/media/${media.id}`, { token });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await fetch(media.url)).status, 404, 'deleting the upload deletes its objects');
    assert.equal((await fetch(media.preview_url)).status, 404);
  });

  it('answers 503 when the bucket fails mid-upload, leaving neither a row nor an object', async () => {
    const photo = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a26' } })
      .jpeg()
      .toBuffer();
    const rowsBefore = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, accountId));
    const objectsBefore = await storedKeys(instance);
    // the original is stored, then the preview fails: the original must be removed again
    s3.failWhen((request) => request.method === 'PUT' && request.url.includes('/small/'));
    let failed: Awaited<ReturnType<typeof upload>> | undefined;
    try {
      failed = await upload(photo);
    } finally {
      s3.failWhen(undefined);
    }
    assert.equal(failed.status, 503, failed.text);
    assert.deepEqual(failed.body, { error: 'There was a temporary problem serving your request, please try again' });
    assert.ok(
      s3.requests.some((request) => request.method === 'PUT' && request.url.includes('/original/')),
      'the original had been stored',
    );
    assert.deepEqual(await storedKeys(instance), objectsBefore, 'no object is left');
    const rowsAfter = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, accountId));
    assert.equal(rowsAfter.length, rowsBefore.length, 'no row is left');

    const retried = await upload(photo);
    assert.equal(retried.status, 200, retried.text);
  });
});
