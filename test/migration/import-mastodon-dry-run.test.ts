import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import { openStorage } from '../../src/backends/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { accounts, mastodonImportProgress, mediaAttachments, statuses, users } from '../../src/db/schema.ts';
import { prepareTestEnvironment, type TestEnvironment } from '../helpers/instance.ts';
import { startMastodonSource, type MastodonSource } from '../helpers/mastodon-source.ts';
import { runSubspace } from '../helpers/process.ts';

/** The report's lines (steps, then what was not carried over), without its first line (Would import / Imported). */
function reportLines(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => /^(Would import|Imported) the Mastodon instance/.test(line));
  assert.ok(start >= 0, output);
  return lines.slice(start + 1).filter((line) => line.startsWith('  ') || line === 'Not carried over:');
}

describe('subspace import mastodon --dry-run', () => {
  let source: MastodonSource;
  let environment: TestEnvironment;
  let system: string;
  const importInto = async (...extra: string[]) => {
    const run = runSubspace(['import', 'mastodon', '--database', source.url, '--media-dir', system, ...extra], environment.env);
    return { code: await run.exited, output: run.output() };
  };

  before(async () => {
    source = await startMastodonSource({ domain: 'subspace.test', baseUrl: 'http://subspace.test' });
    environment = await prepareTestEnvironment();
    // Mastodon's public/system with alice's avatar only: her header and the others are missing
    system = mkdtempSync(join(tmpdir(), 'mastodon-system-'));
    const partition = (source.fixture.alice.id.padStart(9, '0').match(/\d{3}/g) ?? []).join('/');
    const avatar = join(system, `accounts/avatars/${partition}/original/alice.png`);
    mkdirSync(dirname(avatar), { recursive: true });
    writeFileSync(avatar, 'alice avatar');
  });
  after(async () => {
    await environment?.cleanup();
    await source?.close();
    if (system) rmSync(system, { recursive: true, force: true });
  });

  it('reports every row the import would skip, as the import then does, and writes nothing', async () => {
    const dry = await importInto('--dry-run');
    assert.equal(dry.code, 0, dry.output);
    assert.match(dry.output, /Would import the Mastodon instance of subspace\.test/);
    const wouldSkip = reportLines(dry.output);
    // decided row by row: bob's TOTP secret needs Mastodon's keys, so his security key (which the step
    // looks up among the users the step before wrote) is left out; alice's header is not in public/system
    for (const expected of [
      /^ {2}users: 1 × two-factor authentication \(TOTP\) whose secret needs the keys of Mastodon/,
      /^ {2}security keys: 1 × security keys \(WebAuthn\) of members whose TOTP was not carried/,
      /^ {2}accounts: 1 × media files missing from --media-dir: account headers$/,
      /^ {2}media attachments: 1 × media files missing from --media-dir: media attachments$/,
      /^ {2}preview cards: 1 × media files missing from --media-dir: preview card images$/,
    ])
      assert.ok(
        wouldSkip.some((line) => expected.test(line)),
        `${expected} in\n${dry.output}`,
      );
    assert.ok(!wouldSkip.some((line) => /account avatars/.test(line)), dry.output);
    assert.doesNotMatch(dry.output, /Start the instance/);

    const config = loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...environment.env });
    const database = await openDatabase(config);
    const storage = openStorage(config);
    try {
      for (const table of [accounts, users, statuses, mediaAttachments, mastodonImportProgress]) {
        const [row] = await database.db.select({ count: count() }).from(table);
        assert.equal(row!.count, 0);
      }
      const files: string[] = [];
      for await (const file of storage.list()) files.push(file.key);
      assert.deepEqual(files, []);
    } finally {
      await storage.close();
      await database.close();
    }

    const real = await importInto();
    assert.equal(real.code, 0, real.output);
    assert.deepEqual(reportLines(real.output), wouldSkip);
  });
});
