import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { newIdentity } from '../../src/services/backup/age-stream.ts';
import { MIRROR_MANIFEST } from '../../src/services/backup/media-mirror.ts';
import { prepareTestEnvironment, serverMode, startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { runSubspace } from '../helpers/process.ts';
import { createBucket, dropBucket, s3Endpoint, s3Env, startS3rver, type S3rverHandle } from '../helpers/s3.ts';

const lastLine = (text: string) => text.trim().split('\n').at(-1)!;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * BACKUP_MEDIA_TO: media in S3 copied incrementally to a second bucket by `backup create` (and so the
 * scheduled backup), left out of the archive, and brought back by `restore`. Against the s3rver the
 * test setup starts (SUBSPACE_TEST_S3_ENDPOINT), or one of its own.
 */
describe('backups: the media store copied incrementally to a second bucket', () => {
  let own: S3rverHandle | undefined;
  let endpoint: string;
  let mediaBucket: string;
  let mirrorBucket: string;
  let source: TestInstance;
  let alice: TestUser;
  let recipient: string;
  let identityFile: string;
  let work: string;
  const buckets: string[] = [];

  const backupS3 = () => ({ BACKUP_S3_ENDPOINT: endpoint, BACKUP_S3_ACCESS_KEY_ID: 'S3RVER', BACKUP_S3_SECRET_ACCESS_KEY: 'S3RVER' });
  /** the mirror's objects (key → sha256), the manifest aside */
  async function mirrored(): Promise<Map<string, string>> {
    const listing = await (await fetch(`${endpoint}/${mirrorBucket}?list-type=2&prefix=media/`)).text();
    const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]!).filter((key) => key !== `media/${MIRROR_MANIFEST}`);
    const objects = new Map<string, string>();
    for (const key of keys) objects.set(key.slice('media/'.length), sha256(new Uint8Array(await (await fetch(`${endpoint}/${mirrorBucket}/${key}`)).arrayBuffer())));
    return objects;
  }
  const storedKeys = async (instance: TestInstance) => {
    const keys: string[] = [];
    for await (const file of instance.ctx.storage.list()) keys.push(file.key);
    return keys.sort();
  };
  const backup = (...argv: string[]) => runAdminCommand(source.ctx, ['backup', 'create', '--to', join(work, 'archives'), '--recipient', recipient, ...argv]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'subspace-media-mirror-test-'));
    const key = await newIdentity();
    recipient = key.recipient;
    identityFile = join(work, 'identity.txt');
    writeFileSync(identityFile, `${key.identity}\n`);
    if (s3Endpoint) endpoint = s3Endpoint;
    else {
      own = await startS3rver();
      endpoint = own.endpoint;
    }
    mediaBucket = await createBucket(endpoint);
    mirrorBucket = await createBucket(endpoint);
    buckets.push(mediaBucket, mirrorBucket);
    source = await startInstance({ roles: { web: true }, env: { ...s3Env(endpoint, mediaBucket, { S3_RETRY_LIMIT: '2' }), ...backupS3(), BACKUP_MEDIA_TO: `s3://${mirrorBucket}/media` } });
    alice = await source.createUser('alice');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 20, b: 20 } } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    const uploaded = await fetch(`${source.url}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const media = (await uploaded.json()) as { id: string };
    assert.equal(uploaded.status, 200, JSON.stringify(media));
    const posted = await source.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'with a picture', media_ids: [media.id] } });
    assert.equal(posted.status, 200, posted.text);
  });
  after(async () => {
    await source?.close();
    for (const bucket of buckets) await dropBucket(endpoint, bucket).catch(() => {});
    await own?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('copies only new or changed files, keeps the media out of the archive, and deletes from the mirror what is gone past the retention', async () => {
    const keys = await storedKeys(source);
    assert.ok(keys.length >= 2, `the upload and its thumbnail: ${keys}`);
    const first = await backup();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Copied ${keys.length} new or changed media files \\(.+\\) to s3://${mirrorBucket}/media/, 0 unchanged\\n`));
    assert.match(first.stdout, /Backed up \d+ files/);
    assert.match(lastLine(first.stdout), /\.tar\.age$/);
    assert.deepEqual([...(await mirrored()).keys()].sort(), keys);

    const second = await backup();
    assert.match(second.stdout, new RegExp(`^Copied 0 new or changed media files \\(0 Bytes\\) to s3://${mirrorBucket}/media/, ${keys.length} unchanged\\n`));

    // one new file, one replaced by other bytes, one missing from the mirror (deleted there by hand)
    await source.ctx.storage.put('media_attachments/files/000/000/001/original/new.png', Buffer.from('new bytes'), 'image/png');
    await source.ctx.storage.put(keys[0]!, Buffer.from('replaced bytes, longer than before'), 'image/png');
    assert.equal((await fetch(`${endpoint}/${mirrorBucket}/media/${keys[1]}`, { method: 'DELETE' })).status, 204);
    const third = await backup();
    assert.match(third.stdout, new RegExp(`^Copied 3 new or changed media files .*, ${keys.length - 2} unchanged\\n`));
    const copies = await mirrored();
    assert.equal(copies.get(keys[0]!), sha256(Buffer.from('replaced bytes, longer than before')));
    assert.equal(copies.get('media_attachments/files/000/000/001/original/new.png'), sha256(Buffer.from('new bytes')));
    assert.ok(copies.has(keys[1]!));

    // a file gone from the store stays in the mirror for the retention (an archive may need it), then goes
    await source.ctx.storage.delete('media_attachments/files/000/000/001/original/new.png');
    await backup('--keep', '1d');
    assert.ok((await mirrored()).has('media_attachments/files/000/000/001/original/new.png'), 'kept within the retention');
    const manifestUrl = `${endpoint}/${mirrorBucket}/media/${MIRROR_MANIFEST}`;
    const manifest = (await (await fetch(manifestUrl)).json()) as { files: Record<string, { goneSince?: string }> };
    manifest.files['media_attachments/files/000/000/001/original/new.png']!.goneSince = new Date(Date.now() - 2 * 86_400_000).toISOString();
    assert.equal((await fetch(manifestUrl, { method: 'PUT', body: JSON.stringify(manifest) })).status, 200);
    const pruned = await backup('--keep', '1d');
    assert.match(pruned.stdout, /, 1 gone from the store deleted\n/);
    assert.ok(!(await mirrored()).has('media_attachments/files/000/000/001/original/new.png'));
  });

  it('restores into an empty instance with an empty bucket: the media come back from the mirror', async () => {
    const created = await backup();
    assert.equal(created.exitCode, 0, created.stderr);
    const archive = lastLine(created.stdout);
    const before = await storedKeys(source);
    const statuses = (await source.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`)).body as { media_attachments: { url: string }[] }[];
    const picture = sha256(new Uint8Array(await (await fetch(statuses[0]!.media_attachments[0]!.url)).arrayBuffer()));

    const emptyBucket = await createBucket(endpoint);
    buckets.push(emptyBucket);
    const target = await prepareTestEnvironment({ ...s3Env(endpoint, emptyBucket, { S3_RETRY_LIMIT: '2' }), ...backupS3() });
    rmSync(join(target.dataDir, 'db'), { recursive: true, force: true });
    let restored: TestInstance | undefined;
    try {
      const restore = runSubspace(['restore', archive, '--identity', identityFile], target.env);
      assert.equal(await restore.exited, 0, restore.output());
      assert.match(restore.output(), new RegExp(`and ${before.length} media files`));
      if (serverMode) {
        const { readFileSync } = await import('node:fs');
        target.env.SECRET_KEY_BASE = /^SECRET_KEY_BASE=(.+)$/m.exec(readFileSync(join(target.dataDir, 'restored-config', 'secrets.env'), 'utf8'))![1]!;
      }
      restored = await startInstance({ environment: target, roles: { web: true } });
      assert.deepEqual(await storedKeys(restored), before);
      const shown = (await restored.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`)).body as { media_attachments: { url: string }[] }[];
      const url = shown[0]!.media_attachments[0]!.url;
      assert.ok(url.includes(`/${emptyBucket}/`), url);
      assert.equal(sha256(new Uint8Array(await (await fetch(url)).arrayBuffer())), picture);
    } finally {
      if (restored) await restored.close();
      else await target.cleanup();
    }
  });
});
