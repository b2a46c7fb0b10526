import assert from 'node:assert/strict';
import { createHash, createSign, createVerify, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { describeConfig } from '../../src/config/describe.ts';
import { loadConfig } from '../../src/config/index.ts';
import { accounts } from '../../src/db/schema.ts';
import { BackupScheduler } from '../../src/jobs/definitions.ts';
import { schedulesFor } from '../../src/roles/scheduler.ts';
import { newIdentity } from '../../src/services/backup/age-stream.ts';
import { archiveName } from '../../src/services/backup/archive-names.ts';
import { openArchive, openDestination } from '../../src/services/backup/destination.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { pgliteTemplate, prepareTestEnvironment, serverMode, startInstance, type TestEnvironment, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { roleProcessEnv, runSubspace, waitFor, waitForHealthy } from '../helpers/process.ts';
import { createBucket, startS3rver, type S3rverHandle } from '../helpers/s3.ts';

const lastLine = (text: string) => text.trim().split('\n').at(-1)!;
const AP = { accept: 'application/activity+json' };
const sha256 = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the API shows of alice and bob, and the keys the instance federates with. */
async function snapshot(instance: TestInstance) {
  const alice = (await instance.request('GET', '/api/v1/accounts/lookup?acct=alice')).body;
  const bob = (await instance.request('GET', '/api/v1/accounts/lookup?acct=bob')).body;
  const statuses = (await instance.request('GET', `/api/v1/accounts/${alice.id}/statuses`)).body as any[];
  const following = (await instance.request('GET', `/api/v1/accounts/${alice.id}/following`)).body as any[];
  const media = [];
  for (const attachment of statuses.flatMap((status) => status.media_attachments)) {
    const url = new URL(attachment.url);
    // local media are served by the instance itself (at LOCAL_DOMAIN's name), S3 media by the bucket
    const response = url.host === instance.config.webDomain ? await fetch(new URL(url.pathname, instance.url)) : await fetch(url);
    assert.equal(response.status, 200, attachment.url);
    media.push({ id: attachment.id, sha256: sha256(new Uint8Array(await response.arrayBuffer())) });
  }
  return {
    accounts: [alice, bob].map((account) => ({ id: account.id, username: account.username, note: account.note })),
    statuses: statuses.map((status) => ({ id: status.id, content: status.content })),
    following: following.map((account) => account.id),
    media,
    aliceKey: (await instance.request('GET', '/users/alice', { headers: AP })).body.publicKey.publicKeyPem,
    instanceKey: (await instance.request('GET', '/actor', { headers: AP })).body.publicKey.publicKeyPem,
  };
}

/** A place for a restore: a database and media store with nothing in them (embedded: a data dir without a database). */
async function emptyEnvironment(): Promise<TestEnvironment> {
  const environment = await prepareTestEnvironment();
  rmSync(join(environment.dataDir, 'db'), { recursive: true, force: true });
  return environment;
}

describe('subspace backup and restore', () => {
  let source: TestInstance;
  let alice: TestUser;
  let webhook: HttpReceiver;
  let s3: S3rverHandle;
  let backupBucket: string;
  let recipient: string;
  let identityFile: string;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'subspace-backup-test-'));
    const key = await newIdentity();
    recipient = key.recipient;
    identityFile = join(work, 'identity.txt');
    writeFileSync(identityFile, `# public key: ${key.recipient}\n${key.identity}\n`);
    webhook = await startHttpReceiver();
    s3 = await startS3rver();
    backupBucket = await createBucket(s3.endpoint);
    source = await startInstance({
      roles: { web: true },
      env: { BACKUP_WEBHOOK_URL: webhook.url, BACKUP_S3_ENDPOINT: s3.endpoint, BACKUP_S3_ACCESS_KEY_ID: 'S3RVER', BACKUP_S3_SECRET_ACCESS_KEY: 'S3RVER' },
    });
    alice = await source.createUser('alice');
    const bob = await source.createUser('bob');
    assert.equal((await source.request('POST', `/api/v1/accounts/${bob.accountId}/follow`, { token: alice.token })).status, 200);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    const uploaded = await fetch(`${source.url}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const media = (await uploaded.json()) as { id: string };
    assert.equal(uploaded.status, 200, JSON.stringify(media));
    const posted = await source.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'Before the backup', media_ids: [media.id] } });
    assert.equal(posted.status, 200, posted.text);
    await source.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'A second post' } });
  });
  after(async () => {
    await source.close();
    await s3.close();
    await webhook.close();
    rmSync(work, { recursive: true, force: true });
  });

  const backup = (...argv: string[]) => runAdminCommand(source.ctx, ['backup', ...argv]);

  async function createArchive(): Promise<string> {
    const created = await backup('create', '--to', join(work, 'archives'), '--recipient', recipient);
    assert.equal(created.exitCode, 0, created.stderr);
    return lastLine(created.stdout);
  }

  it('keygen prints an identity and its recipient', async () => {
    const result = await backup('keygen');
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /^# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
    // the command line needs no instance, nor its configuration
    const spawned = runSubspace(['backup', 'keygen'], {});
    assert.equal(await spawned.exited, 0, spawned.output());
    assert.match(spawned.output(), /^# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
  });

  it('restores into an empty instance: the same accounts, statuses, media, follows and federation keys', async () => {
    // first: the instance actor's keys are made on first use
    const before = await snapshot(source);
    const archive = await createArchive();
    assert.ok(existsSync(archive), archive);
    assert.match(archive, /subspace-subspace\.test-\d{8}T\d{9}Z\.tar\.age$/);
    assert.equal(before.statuses.length, 2);
    assert.equal(before.media.length, 1);

    const target = await emptyEnvironment();
    let restored: TestInstance | undefined;
    try {
      const restore = runSubspace(['restore', archive, '--identity', identityFile], target.env);
      assert.equal(await restore.exited, 0, restore.output());
      assert.match(restore.output(), /Restored the backup of subspace\.test/);
      const secrets = readFileSync(join(target.dataDir, 'restored-config', 'secrets.env'), 'utf8');
      // server mode: the admin sets SECRET_KEY_BASE from the restored configuration
      if (serverMode) target.env.SECRET_KEY_BASE = /^SECRET_KEY_BASE=(.+)$/m.exec(secrets)![1]!;
      restored = await startInstance({ environment: target, roles: { web: true } });
      assert.deepEqual(await snapshot(restored), before);
      // tokens too came along: alice is still signed in
      assert.equal((await restored.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body.username, 'alice');
      // the restored instance signs with alice's own key: what it signs verifies with the key servers know
      const [row] = await restored.ctx.db.select().from(accounts).where(eq(accounts.id, alice.accountId));
      const signature = createSign('sha256').update('(request-target): post /inbox').sign(row!.privateKeyPem!, 'base64');
      assert.ok(createVerify('sha256').update('(request-target): post /inbox').verify(before.aliceKey, signature, 'base64'));
    } finally {
      if (restored) await restored.close();
      else await target.cleanup();
    }
  });

  it('verify opens an archive and checks every file against its manifest', async () => {
    const archive = await createArchive();
    const result = await backup('verify', archive, '--identity', identityFile);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /a backup of subspace\.test .*every checksum matches/);
    // where the identity is kept, without the instance's configuration
    const spawned = runSubspace(['backup', 'verify', archive, '--identity', identityFile], {});
    assert.equal(await spawned.exited, 0, spawned.output());
    assert.match(lastLine(spawned.output()), /every checksum matches$/);
  });

  it('refuses a corrupted archive, a wrong identity and a file that is no archive, in one line, changing nothing', async () => {
    const archive = await createArchive();
    const corrupted = join(work, 'corrupted.tar.age');
    copyFileSync(archive, corrupted);
    const bytes = readFileSync(corrupted);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(corrupted, bytes);
    const otherIdentity = join(work, 'other.txt');
    writeFileSync(otherIdentity, `${(await newIdentity()).identity}\n`);
    const notArchive = join(work, 'notes.txt');
    writeFileSync(notArchive, 'hello');

    const cases: [string, string, RegExp][] = [
      [corrupted, identityFile, /corrupted/],
      [archive, otherIdentity, /wrong key/],
      [notArchive, identityFile, /not an age-encrypted/],
    ];
    // the three at once: each restores into a place of its own
    const refuse = async ([file, identity, reason]: [string, string, RegExp]) => {
      const verified = await backup('verify', file, '--identity', identity);
      assert.equal(verified.exitCode, 1);
      assert.match(verified.stderr, reason);
      assert.equal(verified.stderr.trim().split('\n').length, 1, verified.stderr);

      const target = await emptyEnvironment();
      try {
        const restore = runSubspace(['restore', file, '--identity', identity], target.env);
        assert.equal(await restore.exited, 1, restore.output());
        assert.match(restore.output(), reason);
        // progress lines aside (on a pipe, one each tenth of the way), the refusal is one line
        const lines = restore
          .output()
          .trim()
          .split('\n')
          .filter((line) => !line.startsWith('Processed '));
        assert.equal(lines.length, 1, restore.output());
        assert.ok(!existsSync(join(target.dataDir, 'db')), 'no database was made');
        assert.ok(!existsSync(join(target.dataDir, 'restored-config')), 'no configuration was written');
        assert.deepEqual(
          readdirSync(target.dataDir).filter((name) => name.startsWith('.restore-')),
          [],
        );
      } finally {
        await target.cleanup();
      }
    };
    await Promise.all(cases.map(refuse));
  });

  it('refuses to restore into an instance that holds data', async () => {
    const archive = await createArchive();
    const restore = runSubspace(['restore', archive, '--identity', identityFile], source.env);
    assert.equal(await restore.exited, 1, restore.output());
    assert.match(restore.output(), /^subspace: .*(is running on|is not empty|already holds a database)/);
    assert.equal((await source.request('GET', '/api/v1/accounts/lookup?acct=alice')).status, 200);
  });

  it('--keep deletes this instance’s archives older than that, and nothing else', async () => {
    const dir = join(work, 'kept');
    const domain = source.config.localDomain;
    const old = archiveName(domain, new Date(Date.now() - 3 * 86_400_000));
    const recent = archiveName(domain, new Date(Date.now() - 3_600_000));
    const otherInstance = archiveName('other.example', new Date(Date.now() - 30 * 86_400_000));
    await runAdminCommand(source.ctx, ['backup', 'create', '--to', dir, '--recipient', recipient]);
    for (const name of [old, recent, otherInstance, 'notes.txt']) writeFileSync(join(dir, name), 'x');
    const created = await backup('create', '--to', dir, '--recipient', recipient, '--keep', '2d');
    assert.equal(created.exitCode, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`Deleted ${old.replace(/\./g, '\\.')}`));
    const left = readdirSync(dir);
    assert.ok(!left.includes(old));
    for (const name of [recent, otherInstance, 'notes.txt']) assert.ok(left.includes(name), name);
    assert.equal(left.filter((name) => name.startsWith(`subspace-${domain}-`)).length, 3);
  });

  it('writes to and verifies from an S3 bucket, with retention there', async () => {
    const old = archiveName(source.config.localDomain, new Date(Date.now() - 20 * 86_400_000));
    assert.equal((await fetch(`${s3.endpoint}/${backupBucket}/daily/${old}`, { method: 'PUT', body: 'x' })).status, 200);
    const created = await backup('create', '--to', `s3://${backupBucket}/daily`, '--recipient', recipient, '--keep', '14d');
    assert.equal(created.exitCode, 0, created.stderr);
    const key = lastLine(created.stdout);
    assert.match(key, new RegExp(`^s3://${backupBucket}/daily/subspace-subspace\\.test-\\d{8}T\\d{9}Z\\.tar\\.age$`));
    assert.equal((await fetch(`${s3.endpoint}/${backupBucket}/daily/${old}`)).status, 404);
    const verified = await backup('verify', key, '--identity', identityFile);
    assert.equal(verified.exitCode, 0, verified.stderr);
  });

  it('sends an archive larger than a part to S3 in parts', async () => {
    const destination = openDestination(`s3://${backupBucket}/parts`, source.config.backup.s3, 5 * 1024 * 1024);
    const bytes = randomBytes(11 * 1024 * 1024 + 17);
    const key = await destination.write('big.tar.age', Readable.from([bytes]));
    assert.equal(key, `s3://${backupBucket}/parts/big.tar.age`);
    assert.ok(s3.requests.some((request) => request.method === 'PUT' && /partNumber=3/.test(request.url)));
    const opened = await openArchive(key, source.config.backup.s3);
    assert.equal(opened.size, bytes.length);
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(bytes));
    assert.deepEqual(await destination.list(), ['big.tar.age']);
  });

  it('tells the webhook of each backup, written or failed', async () => {
    const before = webhook.received.length;
    await createArchive();
    const failed = await backup('create', '--to', join(identityFile, 'cannot-be-a-directory'), '--recipient', recipient);
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /^subspace: cannot write the archive/);
    const texts = webhook.received.slice(before).map((request) => JSON.parse(request.body).text as string);
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /^Subspace backup of subspace\.test written: .*\.tar\.age/);
    assert.match(texts[1]!, /^Subspace backup of subspace\.test FAILED: cannot write the archive/);
  });

  it('the scheduler backs up every BACKUP_SCHEDULE once BACKUP_TO and BACKUP_RECIPIENTS are set', async () => {
    assert.ok(!schedulesFor(source.config).some((schedule) => schedule.job === BackupScheduler));
    const dir = join(work, 'scheduled');
    const scheduled = await startInstance({
      roles: { worker: { queues: ['scheduler'], concurrency: 1 }, scheduler: true },
      env: { BACKUP_TO: dir, BACKUP_RECIPIENTS: recipient, BACKUP_SCHEDULE: '6h' },
    });
    try {
      assert.ok(schedulesFor(scheduled.config).some((schedule) => schedule.job === BackupScheduler && schedule.everySeconds === 6 * 3600));
      const name = await waitFor('the scheduled archive', async () => (existsSync(dir) ? readdirSync(dir).find((file) => file.endsWith('.tar.age')) : undefined), 30_000);
      const verified = await backup('verify', join(dir, name), '--identity', identityFile);
      assert.equal(verified.exitCode, 0, verified.stderr);
    } finally {
      await scheduled.close();
    }
  });

  it('backs up a running embedded instance through its control socket, PGlite dumped in its own thread', { skip: serverMode && 'embedded mode only' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subspace-backup-running-'));
    const env = roleProcessEnv(join(dir, 'data'));
    cpSync(await pgliteTemplate(), join(dir, 'data', 'db'), { recursive: true });
    const running = runSubspace(['start'], env);
    try {
      const url = await waitFor(`the instance to listen\n${running.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(running.output())?.[1], 60_000);
      await waitForHealthy(url, running);
      const created = runSubspace(['backup', 'create', '--to', join(dir, 'archives'), '--recipient', recipient], env);
      assert.equal(await created.exited, 0, created.output());
      const archive = lastLine(created.output());
      assert.match(archive, /subspace-roles\.test-.*\.tar\.age$/);
      running.child.kill('SIGINT');
      await running.exited;
      // restored into a new data dir, the instance starts on it
      const restoredEnv = roleProcessEnv(join(dir, 'restored'));
      const restore = runSubspace(['restore', archive, '--identity', identityFile], restoredEnv);
      assert.equal(await restore.exited, 0, restore.output());
      const accounts = runSubspace(['accounts', 'create', 'carol', '--email', 'carol@example.com', '--confirmed'], restoredEnv);
      assert.equal(await accounts.exited, 0, accounts.output());
    } finally {
      running.child.kill('SIGINT');
      await running.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its configuration: the default schedule, and bad values refused', () => {
    const base = { SUBSPACE_DATA_DIR: work, NODE_ENV: 'test' };
    const config = loadConfig({ ...base, BACKUP_TO: '/backups', BACKUP_RECIPIENTS: `${recipient}, ${recipient}` });
    assert.equal(config.backup.everySeconds, 4 * 3600);
    assert.equal(config.backup.keepSeconds, 14 * 86_400);
    assert.deepEqual(config.backup.recipients, [recipient, recipient]);
    const described = describeConfig(loadConfig({ ...base, BACKUP_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret', BACKUP_S3_ACCESS_KEY_ID: 'AK', BACKUP_S3_SECRET_ACCESS_KEY: 'SK' }));
    assert.ok(described.includes('backup.webhookUrl = ********'), described.join('\n'));
    assert.ok(described.includes('backup.s3.credentials.secretAccessKey = ********'));
    assert.throws(() => loadConfig({ ...base, BACKUP_SCHEDULE: 'often' }), /BACKUP_SCHEDULE/);
    assert.throws(() => loadConfig({ ...base, BACKUP_RECIPIENTS: 'AGE-SECRET-KEY-1XYZ' }), /BACKUP_RECIPIENTS/);
  });
});
