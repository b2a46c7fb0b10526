import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { DatabaseConfig } from '../config/index.ts';
import type { Database } from './index.ts';
import * as schema from './schema.ts';

/** Embedded PostgreSQL (WASM) kept in the data directory; only one process may open it. */
export async function openPglite(config: Extract<DatabaseConfig, { kind: 'pglite' }>) {
  mkdirSync(config.dataDir, { recursive: true });
  const client = await PGlite.create(config.dataDir, { extensions: { pg_trgm } });
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    db,
    async migrate() {
      await migrate(drizzle({ client, schema }), { migrationsFolder: new URL('./migrations', import.meta.url).pathname });
    },
    async close() {
      await client.close();
    },
  };
}
