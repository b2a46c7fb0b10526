import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { create, entries, WriteEntry } from 'tar';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { customEmojis } from '../../src/db/schema.ts';
import { createDomainBlock } from '../../src/services/relationships/block-domain.ts';
import { fetchStoredFile, storedUrlPattern } from '../helpers/stored-files.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

/** A square of one colour, as a PNG (or WebP). */
const square = (colour: string, format: 'png' | 'webp' = 'png', size = 16) =>
  sharp({ create: { width: size, height: size, channels: 4, background: colour } })
    .toFormat(format)
    .toBuffer();

/** A two-frame animated GIF: red, then blue. */
async function animatedGif(): Promise<Buffer> {
  return sharp([await square('#ff0000'), await square('#0000ff')], { join: { animated: true } })
    .gif()
    .toBuffer();
}

/** An uncompressed PNG of noise, `side` pixels square: 180 makes about 97 KB, 320 over the 256 KB limit. */
async function noisePng(side: number): Promise<Buffer> {
  const noise = Buffer.alloc(side * side * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 3) * 104729) % 251;
  return sharp(noise, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

type Emoji = { shortcode: string; url: string; static_url: string; visible_in_picker: boolean; category?: string };

describe('subspace emoji', () => {
  let instance: TestInstance;
  let work: string;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    work = mkdtempSync(join(tmpdir(), 'subspace-emoji-'));
  });
  after(async () => {
    await instance.close();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['emoji', ...argv]);
  const listed = async () => (await instance.request('GET', '/api/v1/custom_emojis')).body as Emoji[];
  /** A stored file by its public URL, fetched from the instance. */
  const file = (url: string) => fetchStoredFile(instance, url);
  const rows = () => instance.ctx.db.select().from(customEmojis);

  it('imports a directory of PNG, GIF and WebP files named by shortcode, reporting each file it cannot take', async () => {
    const dir = join(work, 'pack');
    mkdirSync(join(dir, 'more'), { recursive: true });
    writeFileSync(join(dir, 'blobcat.png'), await square('#00ff00'));
    writeFileSync(join(dir, 'party_parrot.gif'), await animatedGif());
    writeFileSync(join(dir, 'more', 'Wave2.webp'), await square('#ffff00', 'webp'));
    writeFileSync(join(dir, 'x.png'), await square('#000000'));
    writeFileSync(join(dir, 'bad-name.png'), await square('#000000'));
    writeFileSync(join(dir, 'huge.png'), await noisePng(320));
    writeFileSync(join(dir, 'fake.png'), 'not an image at all');
    writeFileSync(
      join(dir, 'jpeg_in_disguise.png'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
        .jpeg()
        .toBuffer(),
    );
    // ignored, as tootctl ignores them: other files and macOS resource forks
    writeFileSync(join(dir, 'README.txt'), 'emoji pack');
    writeFileSync(join(dir, '._blobcat.png'), 'resource fork');

    const result = await run('import', dir);
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), 'Imported 3, skipped 0, failed to import 5');
    const failures = new Map(lines.slice(0, -1).map((line) => [line.split(': ')[1]!, line]));
    assert.equal(failures.size, 5, result.stdout);
    assert.match(failures.get('x.png')!, /"x" is not a valid shortcode/);
    assert.match(failures.get('bad-name.png')!, /"bad-name" is not a valid shortcode/);
    assert.match(failures.get('huge.png')!, /it must be less than 256 KB/);
    assert.match(failures.get('fake.png')!, /not an image/);
    assert.match(failures.get('jpeg_in_disguise.png')!, /a jpeg; emoji must be PNG, GIF or WebP/);

    const emojis = await listed();
    assert.deepEqual(
      emojis.map((emoji) => emoji.shortcode),
      ['Wave2', 'blobcat', 'party_parrot'],
    );
    for (const emoji of emojis) {
      assert.equal(emoji.visible_in_picker, true);
      assert.equal(emoji.category, undefined);
      assert.match(emoji.url, new RegExp(`^${storedUrlPattern(instance)}custom_emojis/images/(\\d{3}/)+original/[0-9a-f]{16}\\.(png|gif|webp)$`));
      assert.match(emoji.static_url, /\/static\/[0-9a-f]{16}\.png$/);
    }
    // the original is served as it was given, animation and all; the static style is its first frame as a PNG
    const parrot = emojis.find((emoji) => emoji.shortcode === 'party_parrot')!;
    const original = await file(parrot.url);
    assert.equal(original.status, 200);
    assert.equal(original.headers.get('content-type'), 'image/gif');
    assert.equal((await sharp(Buffer.from(await original.arrayBuffer())).metadata()).pages, 2);
    const still = await file(parrot.static_url);
    assert.equal(still.headers.get('content-type'), 'image/png');
    const pixels = await sharp(Buffer.from(await still.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.equal(pixels.info.height, 16);
    assert.deepEqual([...pixels.data.subarray(0, 3)], [255, 0, 0]);
    const wave = emojis.find((emoji) => emoji.shortcode === 'Wave2')!;
    assert.equal((await file(wave.url)).headers.get('content-type'), 'image/webp');

    // again: every emoji exists (whatever the case of its shortcode), so each is skipped
    writeFileSync(join(dir, 'BLOBCAT.png'), await square('#ff00ff'));
    const again = await run('import', dir);
    assert.match(again.stdout, /^Imported 0, skipped 4, failed to import 5$/m);
    assert.deepEqual(await listed(), emojis);
    rmSync(join(dir, 'BLOBCAT.png'));
  });

  it('--overwrite replaces the image (removing the old files), --category, --unlisted and --prefix/--suffix name and place them', async () => {
    const before = (await rows()).find((row) => row.shortcode === 'blobcat')!;
    const single = join(work, 'blobcat.png');
    writeFileSync(single, await square('#ff00ff'));
    const replaced = await run('import', single, '--overwrite', '--category', 'Blobs');
    assert.equal(replaced.stdout, 'Imported 1, skipped 0, failed to import 0\n');
    const after = (await rows()).find((row) => row.shortcode === 'blobcat')!;
    assert.equal(after.id, before.id);
    assert.notEqual(after.imageFileKey, before.imageFileKey);
    assert.equal(await instance.ctx.storage.head(before.imageFileKey!), undefined);
    assert.equal(await instance.ctx.storage.head(before.imageStaticFileKey!), undefined);
    assert.ok(after.updatedAt > before.updatedAt);
    const blobcat = (await listed()).find((emoji) => emoji.shortcode === 'blobcat')!;
    assert.equal(blobcat.category, 'Blobs');
    const { data } = await sharp(Buffer.from(await (await file(blobcat.url)).arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([...data.subarray(0, 3)], [255, 0, 255]);

    const prefixed = await run('import', join(work, 'pack'), '--prefix', 'pk_', '--suffix', '_2', '--unlisted', '--category', 'Pack');
    assert.match(prefixed.stdout, /^Imported 4, skipped 0, failed to import 4$/m);
    // "x" becomes "pk_x_2", a valid shortcode
    assert.doesNotMatch(prefixed.stdout, /Failed: x\.png/);
    const pack = (await rows()).filter((row) => row.category === 'Pack').map((row) => [row.shortcode, row.visibleInPicker]);
    assert.deepEqual(
      pack.sort(),
      [
        ['pk_Wave2_2', false],
        ['pk_blobcat_2', false],
        ['pk_party_parrot_2', false],
        ['pk_x_2', false],
      ].sort(),
    );
    // unlisted: not in the picker's list, but there to be used (and listed by the CLI)
    assert.ok(!(await listed()).some((emoji) => emoji.shortcode.startsWith('pk_')));
    const list = await run('list', '--category', 'Pack');
    assert.equal(list.stdout, ':pk_Wave2_2:  Pack  unlisted\n:pk_blobcat_2:  Pack  unlisted\n:pk_party_parrot_2:  Pack  unlisted\n:pk_x_2:  Pack  unlisted\n');
  });

  it('imports a .tar.gz archive (entries in folders too) and one file under --shortcode', async () => {
    const archive = join(work, 'emoji.tar.gz');
    await create({ file: archive, gzip: true }, [
      new WriteEntry({ path: 'blobs/', type: 'Directory', mode: 0o755 }),
      new WriteEntry({ path: 'blobs/blob_wave.png', mode: 0o644 }, await square('#336699')),
      new WriteEntry({ path: 'blobs/blob_dance.gif', mode: 0o644 }, await animatedGif()),
      new WriteEntry({ path: 'blobs/n.png', mode: 0o644 }, await square('#000000')),
      new WriteEntry({ path: 'LICENSE', mode: 0o644 }, 'CC0'),
    ]);
    const result = await run('import', archive, '--category', 'Blobs');
    assert.equal(result.stdout, 'Failed: blobs/n.png: "n" is not a valid shortcode: it takes two or more letters (a-z, A-Z), digits or underscores\nImported 2, skipped 0, failed to import 1\n');
    const blobs = (await listed()).filter((emoji) => emoji.category === 'Blobs').map((emoji) => emoji.shortcode);
    assert.deepEqual(blobs, ['blob_dance', 'blob_wave', 'blobcat']);

    // a plain tar works too
    const plain = join(work, 'plain.tar');
    await create({ file: plain }, [new WriteEntry({ path: 'tarred.png', mode: 0o644 }, await square('#abcdef'))]);
    assert.match((await run('import', plain)).stdout, /^Imported 1, /);

    const named = await run('import', join(work, 'blobcat.png'), '--shortcode', 'magenta');
    assert.equal(named.stdout, 'Imported 1, skipped 0, failed to import 0\n');
    assert.ok((await listed()).some((emoji) => emoji.shortcode === 'magenta'));
    // --shortcode names one emoji: not with a directory or archive, nor an invalid one
    const many = await run('import', archive, '--shortcode', 'many');
    assert.equal(many.exitCode, 1);
    assert.match(many.stderr, /--shortcode names one emoji/);
    assert.equal((await run('import', join(work, 'blobcat.png'), '--shortcode', 'a-b')).exitCode, 2);
    const missing = await run('import', join(work, 'nowhere'));
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /cannot read .*nowhere: no such file or directory/);

    // a truncated archive: what came before the damage is imported, and the damage reported
    const truncated = join(work, 'truncated.tar.gz');
    await create({ file: truncated, gzip: true }, [
      new WriteEntry({ path: 'first_one.png', mode: 0o644 }, await square('#010203')),
      new WriteEntry({ path: 'second_one.png', mode: 0o644 }, await noisePng(180)),
    ]);
    const bytes = readFileSync(truncated);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const damaged = await run('import', truncated);
    assert.equal(damaged.exitCode, 0);
    assert.match(damaged.stdout, /^Imported 1, skipped 0, failed to import 1$/m);
    assert.match(damaged.stdout, /^Failed: (truncated\.tar\.gz: stopped reading|second_one\.png: cannot read it)/m);
    assert.ok((await rows()).some((row) => row.shortcode === 'first_one'));
  });

  it('modify disables, unlists and recategorizes an emoji; delete removes it and its files', async () => {
    assert.equal((await run('modify', 'magenta', '--disable')).stdout, 'OK\n');
    assert.ok(!(await listed()).some((emoji) => emoji.shortcode === 'magenta'));
    assert.equal((await run('modify', ':magenta:', '--enable', '--category', 'Colours')).exitCode, 0);
    assert.equal((await listed()).find((emoji) => emoji.shortcode === 'magenta')?.category, 'Colours');
    assert.equal((await run('modify', 'magenta', '--no-category', '--unlisted')).exitCode, 0);
    assert.ok(!(await listed()).some((emoji) => emoji.shortcode === 'magenta'));
    assert.equal((await run('modify', 'magenta', '--listed')).exitCode, 0);
    const magenta = (await listed()).find((emoji) => emoji.shortcode === 'magenta')!;
    assert.equal(magenta.category, undefined);

    assert.equal((await run('modify', 'magenta')).exitCode, 2);
    assert.equal((await run('modify', 'magenta', '--enable', '--disable')).exitCode, 2);
    const unknown = await run('modify', 'nobody_here', '--disable');
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /no local emoji :nobody_here:/);

    const row = (await rows()).find((emoji) => emoji.shortcode === 'magenta')!;
    assert.equal((await run('delete', 'MAGENTA')).stdout, 'OK\n');
    assert.equal(await instance.ctx.storage.head(row.imageFileKey!), undefined);
    assert.equal((await file(magenta.url)).status, 404);
    assert.equal((await run('delete', 'magenta')).exitCode, 1);
  });

  it('exports the local emoji (one category or all) as export.tar.gz, which imports back', async () => {
    const out = join(work, 'out');
    mkdirSync(out);
    const result = await run('export', out, '--category', 'Blobs');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, `Added blob_dance\nAdded blob_wave\nAdded blobcat\nExported 3 to ${join(out, 'export.tar.gz')}\n`);
    const names: string[] = [];
    for await (const entry of entries(readFileSync(join(out, 'export.tar.gz')))) {
      names.push(entry.path);
      if (entry.path === 'blob_dance.gif') assert.equal((await sharp(Buffer.from(await entry.bytes())).metadata()).pages, 2);
    }
    assert.deepEqual(names, ['blob_dance.gif', 'blob_wave.png', 'blobcat.png']);

    const exists = await run('export', out);
    assert.equal(exists.exitCode, 1);
    assert.match(exists.stderr, /already exists; use --overwrite/);
    assert.equal((await run('export', out, '--category', 'Nothing')).exitCode, 1);
    const all = await run('export', out, '--overwrite');
    assert.match(all.stdout, /^Exported 11 to /m);

    // imported back with a prefix: every one of them, as it was
    const back = await run('import', join(out, 'export.tar.gz'), '--prefix', 'copy_');
    assert.match(back.stdout, /^Imported 11, skipped 0, failed to import 0$/m);
  });

  it('purge removes remote emoji (--remote-only), those of suspended servers (--suspended-only), or all, with their files', async () => {
    await instance.ctx.db.insert(customEmojis).values([
      { shortcode: 'far', domain: 'far.example', imageUrl: 'https://far.example/far.png' },
      { shortcode: 'bad', domain: 'sub.bad.example', imageUrl: 'https://sub.bad.example/bad.png' },
    ]);
    await createDomainBlock(instance.ctx, { domain: 'bad.example', severity: 'suspend', rejectMedia: false, rejectReports: false, obfuscate: false, publicComment: null, privateComment: null });
    const local = (await rows()).filter((row) => row.domain === null).length;

    assert.equal((await run('purge', '--suspended-only')).stdout, 'OK\nRemoved 1 custom emoji\n');
    assert.deepEqual(
      (await rows()).filter((row) => row.domain).map((row) => row.shortcode),
      ['far'],
    );
    assert.equal((await run('purge', '--remote-only')).stdout, 'OK\nRemoved 1 custom emoji\n');
    assert.equal((await rows()).length, local);
    assert.equal((await run('purge', '--remote-only', '--suspended-only')).exitCode, 2);

    const keys = (await rows()).flatMap((row) => [row.imageFileKey!, row.imageStaticFileKey!]);
    assert.equal((await run('purge')).stdout, `OK\nRemoved ${local} custom emoji\n`);
    assert.deepEqual(await rows(), []);
    for (const key of keys) assert.equal(await instance.ctx.storage.head(key), undefined, key);
    assert.deepEqual(await listed(), []);
    assert.equal((await run('list')).stdout, 'No custom emoji.\n');
  });

  it('answers bad arguments with a usage line, touching nothing', async () => {
    for (const argv of [
      [],
      ['frobnicate'],
      ['import'],
      ['import', 'a', 'b'],
      ['import', 'a', '--bogus'],
      ['import', 'a', '--shortcode', 'ok_one', '--prefix', 'p'],
      ['export'],
      ['delete'],
      ['purge', 'all'],
    ]) {
      const result = await run(...argv);
      assert.equal(result.exitCode, 2, `emoji ${argv.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /Usage:\n {2}subspace emoji/);
    }
    assert.match((await run('import', '--help')).stdout, /^Usage:\n {2}subspace emoji import PATH/);
  });
});
