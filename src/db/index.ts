import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config, DatabaseConfig } from '../config/index.ts';
import type * as schema from './schema.ts';
import type { PostgresOptions } from './postgres.ts';
import { TableWrites } from './table-writes.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseConfig['kind'];
  /** applies pending migrations */
  migrate(): Promise<void>;
  /** true when every migration in this codebase has been applied */
  isUpToDate(): Promise<boolean>;
  ping(): Promise<void>;
  /** PostgreSQL's connection pool (absent for PGlite, one connection) */
  poolStats?(): { total: number; idle: number; waiting: number };
  /** embedded PGlite only: the data dir as an uncompressed tar (backups) */
  dumpDataDir?(): Promise<Uint8Array>;
  /** reports committed writes to watched tables, whoever made them (see table-writes.ts) */
  writes: TableWrites;
  close(): Promise<void>;
}

/** Rows of a raw SQL query, the same on PGlite and node-postgres. */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export const MIGRATIONS_FOLDER = new URL('./migrations', import.meta.url).pathname;

function migrationCount(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export async function openDatabase(config: Config, options: PostgresOptions = {}): Promise<DatabaseHandle> {
  const writes = new TableWrites();
  // only the driver in use is loaded
  const opened =
    config.database.kind === 'pglite'
      ? await (await import('./pglite.ts')).openPglite(config.database, { thread: config.database.thread }, writes)
      : await (await import('./postgres.ts')).openPostgres(config.database, options, writes);
  const { db } = opened;
  return {
    ...opened,
    kind: config.database.kind,
    writes,
    async isUpToDate() {
      try {
        const [row] = await queryRows<{ count: string | number }>(db, sql`SELECT count(*) AS count FROM drizzle.__drizzle_migrations`);
        return Number(row?.count ?? 0) >= migrationCount();
      } catch {
        return false;
      }
    },
    async ping() {
      await db.execute(sql`SELECT 1`);
    },
  };
}
