import type { ConnectionOptions } from 'node:tls';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { DatabaseConfig, SslMode } from '../config/index.ts';
import type { Database } from './index.ts';
import * as schema from './schema.ts';

/**
 * libpq's sslmode mapped onto node's TLS options. The CA comes from the system store plus
 * NODE_EXTRA_CA_CERTS. node-postgres cannot fall back from TLS, so `allow`/`prefer` connect in
 * plain text, like libpq does against a server without TLS.
 */
function tlsOptions(mode: SslMode): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

/**
 * PostgreSQL through a `pg` pool. Statements are never named, so every query also works through
 * PgBouncer in transaction mode, whatever PREPARED_STATEMENTS says.
 */
export async function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>) {
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.name,
    user: config.user,
    password: config.password,
    ssl: tlsOptions(config.sslmode),
    max: config.pool,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'subspace',
  });
  // An idle client losing its server (PostgreSQL restarting) must not crash the process;
  // the pool replaces it on the next query.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    db,
    async migrate() {
      await migrate(drizzle({ client: pool, schema }), { migrationsFolder: new URL('./migrations', import.meta.url).pathname });
    },
    async close() {
      await pool.end();
    },
  };
}
