import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';

/**
 * DB_SSLMODE=verify-full against PgBouncer offering TLS with a throwaway CA (test/setup/pgbouncer.sh).
 * NODE_EXTRA_CA_CERTS is read when node starts, so each attempt is a child process that opens
 * the database through src/db/index.ts, as Subspace does, and runs `SELECT 1`.
 * .ci/run exports SUBSPACE_TEST_PGBOUNCER_TLS_CA (the CA) and DATABASE_URL (PgBouncer).
 */
const CA = process.env.SUBSPACE_TEST_PGBOUNCER_TLS_CA;
const TARGET = process.env.SUBSPACE_TEST_PGBOUNCER_URL ?? process.env.DATABASE_URL;

const NODE = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
const CONFIG_MODULE = new URL('../../src/config/index.ts', import.meta.url).href;
const DB_MODULE = new URL('../../src/db/index.ts', import.meta.url).href;

const CHILD = `
import { sql } from 'drizzle-orm';
import { loadConfig } from ${JSON.stringify(CONFIG_MODULE)};
import { openDatabase, queryRows } from ${JSON.stringify(DB_MODULE)};
const config = loadConfig(process.env);
const database = await openDatabase(config);
try {
  const rows = await queryRows(database.db, sql\`SELECT 1 AS one\`);
  console.log(JSON.stringify({ sslmode: config.database.kind === 'postgres' ? config.database.sslmode : null, rows }));
} finally {
  await database.close();
}
`;

/** Opens the database at TARGET with this host name (and query string) in a child process with exactly `env`. */
function connect(host: string, env: Record<string, string>, search = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const url = new URL(TARGET!);
  url.hostname = host;
  url.search = search;
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--input-type=module', '-e', CHILD], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: url.toString(), SECRET_KEY_BASE: 'x'.repeat(64), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const skip = !CA ? 'SUBSPACE_TEST_PGBOUNCER_TLS_CA is not set (.ci/run sets it for the PgBouncer pass)' : !TARGET ? 'DATABASE_URL is not set' : false;

describe('TLS to the database (PgBouncer with a test CA)', { skip }, () => {
  test('the CA file exists', () => {
    assert.ok(existsSync(CA!), CA);
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    test(`DB_SSLMODE=verify-full with NODE_EXTRA_CA_CERTS connects to ${host} and runs SELECT 1`, async () => {
      const result = await connect(host, { DB_SSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: CA! });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { sslmode: 'verify-full', rows: [{ one: 1 }] });
    });
  }

  test('DB_SSLMODE=verify-full without the CA fails: the certificate is not trusted', async () => {
    const result = await connect('127.0.0.1', { DB_SSLMODE: 'verify-full' });
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /self[- ]signed certificate|unable to (get local issuer|verify the first) certificate|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/i);
  });

  test('sslmode=verify-full in DATABASE_URL behaves the same', async () => {
    const trusted = await connect('localhost', { NODE_EXTRA_CA_CERTS: CA! }, '?sslmode=verify-full');
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(JSON.parse(trusted.stdout).sslmode, 'verify-full');
    const untrusted = await connect('localhost', {}, '?sslmode=verify-full');
    assert.notEqual(untrusted.code, 0, untrusted.stdout);
  });

  test('DB_SSLMODE=require encrypts without checking the certificate', async () => {
    const result = await connect('127.0.0.1', { DB_SSLMODE: 'require' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).rows, [{ one: 1 }]);
  });
});
