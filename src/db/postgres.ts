import type { ConnectionOptions } from 'node:tls';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { DatabaseConfig, SslMode } from '../config/index.ts';
import type { Database } from './index.ts';
import { allowNamedStatements } from './prepared.ts';
import * as schema from './schema.ts';
import { TableWrites, watchPoolWrites } from './table-writes.ts';

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

export interface PostgresOptions {
  /** connection errors (PostgreSQL restarting, the network dropping), which the pool recovers from */
  onError?: (error: Error) => void;
}

/**
 * PostgreSQL through a `pg` pool. Only the hot queries of db/prepared.ts are named statements, and
 * only when PREPARED_STATEMENTS allows them (set it to false behind PgBouncer in transaction mode,
 * as in Mastodon); every other statement is unnamed. When the server restarts, the
 * queries under way fail, the pool discards the broken connections and opens new ones for the
 * next queries, and a connection that cannot be opened fails within 10 s.
 */
export async function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>, options: PostgresOptions = {}, writes = new TableWrites()) {
  const onError = options.onError ?? (() => {});
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
    // notices a server that vanished without closing the connection (a host gone, a network cut)
    keepAlive: true,
    application_name: 'subspace',
  });
  // A connection that fails emits 'error' on its client. The pool listens only while the client is
  // idle; a client checked out (a transaction waiting between two statements) has no listener of
  // its own, and an unhandled 'error' would crash the process. The failed statement rejects, and
  // the pool discards the client when it is released.
  pool.on('connect', (client) => client.on('error', onError));
  pool.on('error', onError);
  watchPoolWrites(pool as unknown as Parameters<typeof watchPoolWrites>[0], writes);
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  if (config.preparedStatements) allowNamedStatements(db);
  return {
    db,
    async migrate() {
      await migrate(drizzle({ client: pool, schema }), { migrationsFolder: new URL('./migrations', import.meta.url).pathname });
    },
    /** the pool's connections: open, idle, and queries waiting for one */
    poolStats() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
    async close() {
      await pool.end();
    },
  };
}
