import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { serverMode } from '../helpers/instance.ts';
import { runSubspace } from '../helpers/process.ts';

/** `subspace upgrade` (tootctl upgrade, db:migrate after a new release) and `subspace version`, as processes. */

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An environment on an empty database: a fresh PostgreSQL database nothing migrated (server mode), or a fresh data dir. */
async function emptyDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-upgrade-'));
  dirs.push(dir);
  const env = { SUBSPACE_DATA_DIR: dir, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
  if (!serverMode) return { env, drop: async () => {} };
  const adminUrl = process.env.SUBSPACE_TEST_ADMIN_URL ?? process.env.DATABASE_URL!;
  const name = `subspace_upgrade_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { ...env, DATABASE_URL: url.toString(), SECRET_KEY_BASE: 'x'.repeat(64) },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

describe('subspace upgrade and version', () => {
  test('upgrade applies the migrations to an empty database, and again finds nothing to do', async () => {
    const { env, drop } = await emptyDatabase();
    try {
      const first = runSubspace(['upgrade'], env);
      assert.equal(await first.exited, 0, first.output());
      assert.match(first.output(), new RegExp(`Database is up to date\\.\\nSubspace ${VERSION.replaceAll('.', '\\.')} is ready to start\\.`));
      const database = await openDatabase(loadConfig(env));
      try {
        assert.equal(await database.isUpToDate(), true);
      } finally {
        await database.close();
      }
      const second = runSubspace(['upgrade'], env);
      assert.equal(await second.exited, 0, second.output());
    } finally {
      await drop();
    }
  });

  test('upgrade --help, bad arguments, and version', async () => {
    const help = runSubspace(['upgrade', '--help'], {});
    assert.equal(await help.exited, 0);
    assert.match(help.output(), /^Usage:\n {2}subspace upgrade\n\nAfter installing a new version/);
    const bad = runSubspace(['upgrade', 'now'], {});
    assert.equal(await bad.exited, 2);
    const version = runSubspace(['version'], {});
    assert.equal(await version.exited, 0);
    assert.equal(version.output(), `${VERSION}\n`);
  });
});
