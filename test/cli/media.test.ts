import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { terminalProgress } from '../../src/cli/progress.ts';
import { humanSize } from '../../src/cli/human-size.ts';
import { helpFor } from '../../src/cli/usage.ts';
import { accounts, customEmojis, follows, mediaAttachments, previewCards } from '../../src/db/schema.ts';
import type { AppContext } from '../../src/context.ts';
import { idPartition } from '../../src/services/media/media-attachments.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { runSubspace } from '../helpers/process.ts';

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** A writable that says it is a terminal, keeping what is drawn on it. */
function fakeTerminal() {
  let drawn = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      drawn += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 100, rows: 30 });
  return { stream, drawn: () => drawn };
}

describe('subspace media', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let seq = 0;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['media', ...argv]);
  const db = () => instance.ctx.db;
  const idAt = (at: Date) => ((BigInt(at.getTime()) << 16n) + BigInt(++seq)).toString();
  const stored = async (key: string) => !!(await instance.ctx.storage.head(key));
  /** a file of `size` bytes at a key of Mastodon's layout */
  async function file(path: string, id: string, style: string, size: number) {
    const key = `${path}/${idPartition(id)}/${style}/${(++seq).toString(16).padStart(16, '0')}.png`;
    await instance.ctx.storage.put(key, Buffer.alloc(size, 7), 'image/png');
    return key;
  }
  /**
   * The instance as it will be in a day, as far as stored files go: its storage lists every file but
   * `young` as written a day ago (files cannot be backdated on S3).
   */
  function aDayLater(young: string[]): AppContext {
    const storage = instance.ctx.storage;
    async function* list(prefix?: string) {
      for await (const stored of storage.list(prefix)) yield young.includes(stored.key) ? stored : { ...stored, lastModified: daysAgo(1) };
    }
    const aged = new Proxy(storage, {
      get: (target, property) => (property === 'list' ? list : typeof Reflect.get(target, property) === 'function' ? Reflect.get(target, property).bind(target) : Reflect.get(target, property)),
    });
    return { ...instance.ctx, storage: aged };
  }
  async function remoteAccount(username: string, values: Partial<typeof accounts.$inferInsert> = {}) {
    const [row] = await db()
      .insert(accounts)
      .values({ username, domain: 'remote.example', uri: `https://remote.example/users/${username}`, ...values })
      .returning();
    return row!;
  }
  async function attachment(accountId: string, made: Date, remote: boolean, sizes: [number, number]) {
    const id = idAt(made);
    const path = remote ? 'cache/media_attachments/files' : 'media_attachments/files';
    const [fileKey, smallFileKey] = [await file(path, id, 'original', sizes[0]), await file(path, id, 'small', sizes[1])];
    await db()
      .insert(mediaAttachments)
      .values({ id, accountId, type: 'image', remoteUrl: remote ? `https://remote.example/files/${id}.png` : '', fileKey, smallFileKey, fileSize: sizes[0], createdAt: made, updatedAt: made });
    return { id, files: [fileKey, smallFileKey] };
  }

  it('refuses bad arguments with a usage line (exit 2), and prints its help', async () => {
    const cases = [
      [],
      ['frobnicate'],
      ['remove', '--days', 'seven'],
      ['remove', '--days', '-1'],
      ['remove', '--concurrency', '0'],
      ['remove', '--prune-profiles', '--remove-headers'],
      ['remove', '--include-follows'],
      ['remove', 'everything'],
      ['remove-orphans', '--start-after', 'x'],
      ['usage', 'now'],
    ];
    for (const args of cases) {
      const result = await run(...args);
      assert.equal(result.exitCode, 2, `media ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^subspace: .+\nUsage:\n {2}subspace media/, args.join(' '));
      assert.equal(result.stdout, '');
    }
    assert.match((await run('remove', '--prune-profiles', '--remove-headers')).stderr, /should not be specified simultaneously/);
    const help = await run('--help');
    assert.equal(help.exitCode, 0);
    assert.match(help.stdout, /subspace media remove \[--days N\]/);
    assert.match(help.stdout, /subspace media remove-orphans/);
    assert.match(help.stdout, /subspace media usage/);
    assert.match(helpFor(['media', 'remove', '--help'])!, /^Usage:\n {2}subspace media remove .*\n\nRemoves the cached copies/);
    assert.match(helpFor(['media', 'usage', '-h'])!, /^Usage:\n {2}subspace media usage\n\nPrints/);
  });

  it('prints sizes as tootctl does', () => {
    assert.deepEqual([0, 1, 1023, 1024, 1240, 12_345_678, 5 * 1024 ** 3].map(humanSize), ['0 Bytes', '1 Byte', '1023 Bytes', '1 KB', '1.21 KB', '11.8 MB', '5 GB']);
  });

  it('usage: the space stored files take, by kind, local and cached, and what nothing names', async () => {
    const bob = await remoteAccount('bob');
    await attachment(alice.accountId, daysAgo(1), false, [1000, 300]);
    await attachment(bob.id, daysAgo(1), true, [2000, 500]);
    const localProfile = { avatarFileKey: await file('accounts/avatars', alice.accountId, 'original', 400), headerFileKey: await file('accounts/headers', alice.accountId, 'original', 800) };
    await db().update(accounts).set(localProfile).where(eq(accounts.id, alice.accountId));
    const remoteProfile = {
      avatarFileKey: await file('cache/accounts/avatars', bob.id, 'original', 1500),
      avatarStaticFileKey: await file('cache/accounts/avatars', bob.id, 'static', 100),
      headerFileKey: await file('cache/accounts/headers', bob.id, 'original', 2500),
    };
    await db().update(accounts).set(remoteProfile).where(eq(accounts.id, bob.id));
    const [localEmoji, remoteEmoji] = [idAt(daysAgo(3)), idAt(daysAgo(3))];
    await db()
      .insert(customEmojis)
      .values([
        { id: localEmoji, shortcode: 'blob', imageFileKey: await file('custom_emojis/images', localEmoji, 'original', 100) },
        { id: remoteEmoji, shortcode: 'blob', domain: 'remote.example', imageFileKey: await file('cache/custom_emojis/images', remoteEmoji, 'original', 200) },
      ]);
    const card = idAt(daysAgo(2));
    await db()
      .insert(previewCards)
      .values({ id: card, url: 'https://example.com/page', imageFileKey: await file('preview_cards/images', card, 'original', 900) });
    await file('media_attachments/files', idAt(daysAgo(2)), 'original', 700);
    await instance.ctx.storage.put('something/else.txt', Buffer.alloc(50), 'text/plain');

    const result = await run('usage');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        `Attachments:\t${humanSize(3800)} (${humanSize(1300)} local)`,
        `Custom emoji:\t300 Bytes (100 Bytes local)`,
        `Preview cards:\t900 Bytes`,
        `Avatars:\t${humanSize(2000)} (400 Bytes local)`,
        `Headers:\t${humanSize(3300)} (800 Bytes local)`,
        `Not referenced:\t750 Bytes (2 files; see subspace media remove-orphans)`,
        '',
      ].join('\n'),
    );
    assert.equal(result.stderr, '');

    // the same through a real `subspace` process (embedded: through the running instance's control socket), without bars
    const cli = runSubspace(['media', 'usage'], instance.env);
    assert.equal(await cli.exited, 0, cli.output());
    assert.equal(cli.output(), result.stdout);

    // on a terminal the output is the same (a walk of unknown length draws no bar)
    const terminal = fakeTerminal();
    const drawn = await runAdminCommand(instance.ctx, ['media', 'usage'], terminalProgress(terminal.stream as unknown as NodeJS.WriteStream));
    assert.equal(drawn.stdout, result.stdout);
  });

  it('remove: cached copies of remote attachments older than --days, rows kept; --dry-run changes nothing', async () => {
    const carol = await remoteAccount('carol');
    const old = await attachment(carol.id, daysAgo(10), true, [3000, 1000]);
    const recent = await attachment(carol.id, daysAgo(2), true, [3000, 1000]);
    const local = await attachment(alice.accountId, daysAgo(30), false, [3000, 1000]);
    const before = await run('remove', '--dry-run');
    // bob's attachment of the usage test is a day old: only carol's old one is in scope
    assert.deepEqual(before, { stdout: `Removed 1 media attachments (approx. ${humanSize(4000)}) (DRY RUN)\n`, stderr: '', exitCode: 0 });
    for (const key of old.files) assert.ok(await stored(key));

    const terminal = fakeTerminal();
    const removed = await runAdminCommand(instance.ctx, ['media', 'remove', '-c', '2'], terminalProgress(terminal.stream as unknown as NodeJS.WriteStream));
    assert.deepEqual(removed, { stdout: `Removed 1 media attachments (approx. ${humanSize(4000)})\n`, stderr: '', exitCode: 0 });
    assert.match(terminal.drawn(), /\d+\/\d+ \|/);
    for (const key of old.files) assert.equal(await stored(key), false, key);
    const [row] = await db().select().from(mediaAttachments).where(eq(mediaAttachments.id, old.id));
    assert.equal(row?.fileKey, null);
    assert.equal(row?.remoteUrl, `https://remote.example/files/${old.id}.png`);
    for (const key of [...recent.files, ...local.files]) assert.ok(await stored(key), key);

    assert.equal((await run('remove', '--days', '1', '--dry-run')).stdout, `Removed 2 media attachments (approx. ${humanSize(6500)}) (DRY RUN)\n`);
    assert.equal((await run('remove', '--days', '3')).stdout, 'Removed 0 media attachments (approx. 0 Bytes)\n');
  });

  it('remove --prune-profiles and --remove-headers: remote avatars and headers, of accounts without follows unless --include-follows', async () => {
    const stale = { lastWebfingeredAt: daysAgo(30), updatedAt: daysAgo(30) };
    const profile = async (username: string, values: Partial<typeof accounts.$inferInsert>) => {
      const account = await remoteAccount(username, values);
      const keys = {
        avatarFileKey: await file('cache/accounts/avatars', account.id, 'original', 1000),
        avatarStaticFileKey: await file('cache/accounts/avatars', account.id, 'static', 24),
        headerFileKey: await file('cache/accounts/headers', account.id, 'original', 2000),
        headerStaticFileKey: await file('cache/accounts/headers', account.id, 'static', 48),
      };
      await db().update(accounts).set(keys).where(eq(accounts.id, account.id));
      return { id: account.id, ...keys };
    };
    const dave = await profile('dave', stale);
    const erin = await profile('erin', stale);
    await db().insert(follows).values({ accountId: alice.accountId, targetAccountId: erin.id });
    const fresh = await profile('frank', { lastWebfingeredAt: daysAgo(1), updatedAt: daysAgo(30) });

    assert.equal((await run('remove', '--prune-profiles', '--dry-run')).stdout, `Visited 2 accounts and removed profile media totaling ${humanSize(3072)} (DRY RUN)\n`);
    assert.ok(await stored(dave.avatarFileKey));
    assert.equal((await run('remove', '--prune-profiles')).stdout, `Visited 2 accounts and removed profile media totaling ${humanSize(3072)}\n`);
    for (const key of [dave.avatarFileKey, dave.avatarStaticFileKey, dave.headerFileKey, dave.headerStaticFileKey]) assert.equal(await stored(key), false, key);
    const [row] = await db().select().from(accounts).where(eq(accounts.id, dave.id));
    assert.deepEqual([row?.avatarFileKey, row?.avatarStaticFileKey, row?.headerFileKey, row?.headerStaticFileKey], [null, null, null, null]);
    for (const key of [erin.avatarFileKey, erin.headerFileKey, fresh.avatarFileKey, fresh.headerFileKey]) assert.ok(await stored(key), 'followed or recently webfingered accounts keep theirs');

    // headers only, followed accounts too; dave was updated by the removal, so he is out of scope now
    assert.equal((await run('remove', '--remove-headers', '--include-follows')).stdout, `Visited 1 accounts and removed profile media totaling ${humanSize(2048)}\n`);
    assert.equal(await stored(erin.headerFileKey), false);
    assert.equal(await stored(erin.headerStaticFileKey), false);
    assert.ok(await stored(erin.avatarFileKey), 'the avatar stays');
    const local = await db().select().from(accounts).where(eq(accounts.id, alice.accountId));
    assert.ok(local[0]?.avatarFileKey && (await stored(local[0].avatarFileKey)), 'local accounts are never pruned');
  });

  it('remove-orphans: files no row names, older than an hour; unrecognized files are listed and left', async () => {
    const orphanId = idAt(daysAgo(5));
    const orphans = [
      await file('media_attachments/files', orphanId, 'original', 600),
      await file('cache/accounts/avatars', orphanId, 'original', 400),
      await file('media_attachments/thumbnails', orphanId, 'original', 30),
      await file('preview_cards/images', orphanId, 'original', 20),
    ];
    // a row that names other files than this one: its former file is an orphan too
    const [named] = await db().select().from(mediaAttachments).where(eq(mediaAttachments.accountId, alice.accountId)).limit(1);
    const replaced = `${named!.fileKey!.slice(0, named!.fileKey!.lastIndexOf('/'))}/0000000000000000.png`;
    await instance.ctx.storage.put(replaced, Buffer.alloc(24), 'image/png');
    // a video's thumbnail is its row's too
    const thumbnail = await file('media_attachments/thumbnails', named!.id, 'original', 10);
    await db().update(mediaAttachments).set({ thumbnailFileKey: thumbnail }).where(eq(mediaAttachments.id, named!.id));
    const young = await file('media_attachments/files', idAt(daysAgo(0)), 'original', 100);
    const expectedOrphans = [...orphans, replaced].sort();
    const orphanBytes = 600 + 400 + 30 + 20 + 24 + 700;
    const later = aDayLater([young]);

    // everything written within the hour is left alone
    assert.equal((await run('remove-orphans', '--dry-run')).stdout.trimEnd().split('\n').at(-1), 'Removed 0 orphans (approx. 0 Bytes) (DRY RUN)');

    const dry = await runAdminCommand(later, ['media', 'remove-orphans', '--dry-run']);
    assert.equal(dry.exitCode, 0, dry.stderr);
    const lines = dry.stdout.trimEnd().split('\n');
    const found = lines.filter((line) => line.startsWith('Found and removed orphan: ')).map((line) => line.slice('Found and removed orphan: '.length));
    // the usage test's orphan is one too
    assert.deepEqual(found.filter((key) => expectedOrphans.includes(key)).sort(), expectedOrphans);
    assert.equal(found.length, expectedOrphans.length + 1);
    assert.ok(lines.includes('Unrecognized file found: something/else.txt'));
    assert.equal(lines.at(-1), `Removed 6 orphans (approx. ${humanSize(orphanBytes)}) (DRY RUN)`);
    for (const key of expectedOrphans) assert.ok(await stored(key));

    const scoped = await runAdminCommand(later, ['media', 'remove-orphans', '--prefix', 'cache/', '--dry-run']);
    assert.equal(scoped.stdout, `Found and removed orphan: ${orphans[1]}\nRemoved 1 orphans (approx. 400 Bytes) (DRY RUN)\n`);

    const removed = await runAdminCommand(later, ['media', 'remove-orphans']);
    assert.equal(removed.stdout.trimEnd().split('\n').at(-1), `Removed 6 orphans (approx. ${humanSize(orphanBytes)})`);
    for (const key of expectedOrphans) assert.equal(await stored(key), false, key);
    assert.ok(await stored(young), 'a file written in the last hour may be an upload under way');
    assert.ok(await stored('something/else.txt'));
    for (const key of [named!.fileKey!, named!.smallFileKey!, thumbnail]) assert.ok(await stored(key), key);
    const [card] = await db().select().from(previewCards);
    assert.ok(await stored(card!.imageFileKey!), 'a preview card keeps its image');
    const usage = await run('usage');
    assert.match(usage.stdout, /Not referenced:\t150 Bytes \(2 files;/);
  });
});
