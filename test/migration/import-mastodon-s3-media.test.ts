import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { accounts, mastodonImportProgress } from '../../src/db/schema.ts';
import { prepareTestEnvironment, startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { startMastodonSource, type MastodonFixture, type MastodonSource } from '../helpers/mastodon-source.ts';
import { runSubspace } from '../helpers/process.ts';
import { createBucket, dropBucket, s3Endpoint, s3Env, startS3rver, type S3rverHandle } from '../helpers/s3.ts';
import { fetchStoredFile } from '../helpers/stored-files.ts';

/** The objects a Mastodon instance with S3 storage has in its bucket: Paperclip's keys, as under public/system. */
function mastodonObjects(fixture: MastodonFixture): Record<string, string> {
  const partition = (id: string) => (id.padStart(9, '0').match(/\d{3}/g) ?? []).join('/');
  return {
    [`media_attachments/files/${partition(fixture.media.image)}/original/rabbit.png`]: 'the rabbit, original',
    [`media_attachments/files/${partition(fixture.media.image)}/small/rabbit.png`]: 'the rabbit, small',
    [`accounts/avatars/${partition(fixture.alice.id)}/original/alice.png`]: 'alice avatar',
    [`custom_emojis/images/${partition(fixture.emoji.local)}/original/blobcat.png`]: 'blobcat',
    [`custom_emojis/images/${partition(fixture.emoji.local)}/static/blobcat.png`]: 'blobcat still',
  };
}

// The server pass has an s3rver for the whole suite (SUBSPACE_TEST_S3_ENDPOINT); the embedded pass starts its own.
describe('subspace import mastodon --media s3://BUCKET', () => {
  let own: S3rverHandle | undefined;
  let endpoint: string;
  let bucket: string;
  let source: MastodonSource;
  let fixture: MastodonFixture;
  let objects: Record<string, string>;
  const cleanups: (() => Promise<void>)[] = [];

  const importInto = async (environment: TestEnvironment, ...extra: string[]) => {
    const run = runSubspace(['import', 'mastodon', '--database', source.url, ...extra], environment.env);
    return { code: await run.exited, output: run.output() };
  };
  /** an environment for the import: media in `mediaBucket` (or on disk when undefined) */
  const environmentWith = async (mediaBucket: string | undefined) => {
    const environment = await prepareTestEnvironment(mediaBucket ? s3Env(endpoint, mediaBucket, { S3_RETRY_LIMIT: '2' }) : {});
    if (!mediaBucket) for (const name of Object.keys(environment.env).filter((key) => key.startsWith('S3_') || key.startsWith('AWS_'))) delete environment.env[name];
    cleanups.push(() => environment.cleanup());
    return environment;
  };
  const nothingImported = async (environment: TestEnvironment) => {
    const database = await openDatabase(loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...environment.env }));
    try {
      for (const table of [accounts, mastodonImportProgress]) {
        const [row] = await database.db.select({ count: count() }).from(table);
        assert.equal(row!.count, 0);
      }
    } finally {
      await database.close();
    }
  };

  before(async () => {
    if (s3Endpoint) endpoint = s3Endpoint;
    else {
      own = await startS3rver();
      endpoint = own.endpoint;
    }
    bucket = await createBucket(endpoint);
    source = await startMastodonSource({ domain: 'subspace.test', baseUrl: 'http://subspace.test' });
    fixture = source.fixture;
    objects = mastodonObjects(fixture);
    for (const [key, text] of Object.entries(objects)) {
      const response = await fetch(`${endpoint}/${bucket}/${key}`, { method: 'PUT', body: text, headers: { 'content-type': 'image/png' } });
      assert.equal(response.status, 200, await response.text());
    }
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await source?.close();
    if (bucket) await dropBucket(endpoint, bucket).catch(() => {});
    await own?.close();
  });

  it('refuses an instance that keeps its media on disk, in one line, importing nothing', async () => {
    const environment = await environmentWith(undefined);
    const run = await importInto(environment, '--media', `s3://${bucket}`);
    assert.equal(run.code, 1, run.output);
    assert.equal(run.output.trim().split('\n').length, 1, run.output);
    assert.match(run.output, new RegExp(`^subspace: --media s3://${bucket}: this instance keeps its media on disk; set S3_ENABLED=true and S3_BUCKET=${bucket}`));
    await nothingImported(environment);
  });

  it('refuses an instance that uses another bucket, naming the one to set, importing nothing', async () => {
    const other = await createBucket(endpoint);
    cleanups.push(() => dropBucket(endpoint, other));
    const environment = await environmentWith(other);
    const run = await importInto(environment, '--media', `s3://${bucket}`);
    assert.equal(run.code, 1, run.output);
    assert.equal(run.output.trim().split('\n').length, 1, run.output);
    assert.match(run.output, new RegExp(`^subspace: --media s3://${bucket}: this instance uses the bucket ${other}; set S3_BUCKET=${bucket}`));
    await nothingImported(environment);
  });

  describe('into an instance on the same bucket', () => {
    let instance: TestInstance;
    let imported: { code: number | string; output: string };

    before(async () => {
      const environment = await environmentWith(bucket);
      imported = await importInto(environment, '--media', `s3://${bucket}`);
      instance = await startInstance({ environment, roles: { web: true }, keepEnvironment: true });
      cleanups.push(() => instance.close());
    });

    const bucketUrl = (key: string) => `${endpoint}/${bucket}/${key}`;
    const fetched = async (url: string) => {
      const response = await fetchStoredFile(instance, url);
      return { status: response.status, text: await response.text() };
    };

    it('imports, with no media file left behind', () => {
      assert.equal(imported.code, 0, imported.output);
      assert.match(imported.output, /Imported the Mastodon instance of subspace\.test/);
      assert.doesNotMatch(imported.output, /media files/);
    });

    it("names Mastodon's objects in the bucket for attachments, avatars and emoji, and they are served", async () => {
      const keys = Object.keys(objects);
      const status = await instance.request('GET', `/api/v1/statuses/${fixture.statuses.hello}`, { token: fixture.tokens.bob });
      assert.equal(status.status, 200, status.text);
      const media = status.body.media_attachments[0];
      assert.equal(media?.id, fixture.media.image);
      assert.equal(media.url, bucketUrl(keys[0]!));
      assert.equal(media.preview_url, bucketUrl(keys[1]!));
      assert.deepEqual(await fetched(media.url), { status: 200, text: 'the rabbit, original' });
      assert.deepEqual(await fetched(media.preview_url), { status: 200, text: 'the rabbit, small' });

      const account = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}`);
      assert.equal(account.body.avatar, bucketUrl(keys[2]!));
      assert.deepEqual(await fetched(account.body.avatar), { status: 200, text: 'alice avatar' });

      const emoji = await instance.request('GET', '/api/v1/custom_emojis');
      const blobcat = emoji.body.find((item: any) => item.shortcode === 'blobcat');
      assert.equal(blobcat?.url, bucketUrl(keys[3]!));
      assert.equal(blobcat.static_url, bucketUrl(keys[4]!));
      assert.deepEqual(await fetched(blobcat.url), { status: 200, text: 'blobcat' });
      assert.deepEqual(await fetched(blobcat.static_url), { status: 200, text: 'blobcat still' });
    });
  });
});
