/**
 * `subspace import mastodon` at scale: a Mastodon database with N statuses (test/fixtures/mastodon/schema.sql,
 * filled by test/helpers/mastodon-source.ts, the extra statuses made in one INSERT … generate_series),
 * imported into a new instance; prints each step's rows per second. Embedded by default (PGlite for
 * both sides, the source served over the wire protocol on loopback); with DATABASE_URL and
 * SUBSPACE_TEST_ADMIN_URL (a PostgreSQL to create the source database in) on PostgreSQL.
 *
 *   node bench/import-mastodon.ts [--statuses 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { importMastodon } from '../src/services/migration/mastodon/import-mastodon.ts';
import { openMastodonSource } from '../src/services/migration/mastodon/source.ts';
import { createServerDatabase } from '../test/helpers/instance.ts';
import { startMastodonSource } from '../test/helpers/mastodon-source.ts';

const { values } = parseArgs({ options: { statuses: { type: 'string', default: '50000' } } });
const scale = Number(values.statuses);
const dataDir = mkdtempSync(join(tmpdir(), 'subspace-bench-import-'));
const serverDatabase = process.env.DATABASE_URL ? await createServerDatabase() : undefined;
const config = loadConfig({
  NODE_ENV: 'test',
  SUBSPACE_DATA_DIR: dataDir,
  SUBSPACE_PGLITE_THREAD: 'main',
  LOCAL_DOMAIN: 'subspace.test',
  LOCAL_HTTPS: 'false',
  ...(serverDatabase ? { DATABASE_URL: serverDatabase.directUrl, SECRET_KEY_BASE: 'x'.repeat(64) } : {}),
});

let started = Date.now();
const source = await startMastodonSource({ domain: 'subspace.test', baseUrl: 'http://subspace.test', scale });
console.log(`source: ${scale + 9} statuses made in ${((Date.now() - started) / 1000).toFixed(1)} s (${serverDatabase ? 'PostgreSQL' : 'PGlite over the wire'})`);
const database = await openDatabase(config);
await database.migrate();
const reader = await openMastodonSource(source.url);
const timings: { step: string; rows: number; ms: number }[] = [];
started = Date.now();
await importMastodon(config, database.db, reader, {
  media: { kind: 'none' },
  progress: (step) => {
    let begun = 0;
    let rows = 0;
    return {
      start(total) {
        begun = Date.now();
        rows = total;
      },
      increment() {},
      stop() {
        timings.push({ step, rows, ms: Date.now() - begun });
      },
    };
  },
});
const total = Date.now() - started;
await reader.close();
await database.close();
await source.close();
await serverDatabase?.drop();
rmSync(dataDir, { recursive: true, force: true });

console.log(`import (${serverDatabase ? 'server mode' : 'embedded'}): ${(total / 1000).toFixed(1)} s in all`);
for (const timing of timings.filter((entry) => entry.rows >= 10 || entry.step === 'statuses')) {
  console.log(
    `  ${timing.step.padEnd(24)} ${String(timing.rows).padStart(8)} rows  ${(timing.ms / 1000).toFixed(1).padStart(6)} s  ${Math.round((timing.rows * 1000) / Math.max(timing.ms, 1))} rows/s`,
  );
}
