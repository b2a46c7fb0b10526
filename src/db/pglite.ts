import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { DatabaseConfig } from '../config/index.ts';
import type { Database } from './index.ts';
import { ThreadedPglite, type QueryOptions } from './pglite-client.ts';
import { queryNamed, type NamedQueryOptions } from './pglite-named.ts';
import { allowNamedStatements } from './prepared.ts';
import * as schema from './schema.ts';
import { ConnectionWrites, TableWrites, watchPgliteWrites } from './table-writes.ts';

/**
 * PostgreSQL settings for the embedded database. PGlite's default shared_buffers (128 MB) is most
 * of an idle instance's memory once touched; the data files stay in the OS page cache, so a
 * smaller pool costs a copy from it, not a disk read.
 */
export const PGLITE_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  // index builds in migrations sort in this much memory, which the WASM heap keeps once grown
  maintenance_work_mem: '16MB',
};

export interface PgliteOptions {
  /** 'worker' (the default) runs PGlite in a worker thread; 'main' in this thread, as drizzle's pglite driver does */
  thread?: 'worker' | 'main';
}

async function openInThisThread(dataDir: string): Promise<PGlite> {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
  const startParams = [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  return PGlite.create(dataDir, { extensions: { pg_trgm }, startParams });
}

/** Embedded PostgreSQL (WASM) kept in the data directory; only one process may open it. */
export async function openPglite(config: Pick<Extract<DatabaseConfig, { kind: 'pglite' }>, 'dataDir'>, options: PgliteOptions = {}, writes = new TableWrites()) {
  mkdirSync(config.dataDir, { recursive: true });
  const client = options.thread === 'main' ? await openInThisThread(config.dataDir) : await ThreadedPglite.open({ dataDir: config.dataDir, settings: PGLITE_SETTINGS });
  // drizzle's pglite driver uses only query() and transaction(), which the threaded client has too
  const db = drizzle({ client: watchPgliteWrites(client, writes) as PGlite, schema }) as unknown as Database;
  allowNamedStatements(db, (name, text, params, options) =>
    new ConnectionWrites(writes).run(text, () =>
      client instanceof ThreadedPglite ? client.queryNamed(name, text, params, options as QueryOptions) : queryNamed(client, name, text, params, options as NamedQueryOptions),
    ),
  );
  return {
    db,
    async migrate() {
      await migrate(drizzle({ client: client as PGlite, schema }), { migrationsFolder: new URL('./migrations', import.meta.url).pathname });
    },
    /** the data dir as an uncompressed tar, for backups (PGlite.create's loadDataDir restores it) */
    async dumpDataDir(): Promise<Uint8Array> {
      if (client instanceof ThreadedPglite) return client.dumpDataDir();
      return new Uint8Array(await (await client.dumpDataDir('none')).arrayBuffer());
    },
    async close() {
      await client.close();
    },
  };
}
