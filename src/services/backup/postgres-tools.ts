import { spawn } from 'node:child_process';
import type { Config } from '../../config/index.ts';
import { BackupError } from './errors.ts';

/**
 * pg_dump and pg_restore (Debian's `postgresql-client`), run without a shell against
 * `BACKUP_DATABASE_URL`, else the configured database. Through PgBouncer in transaction mode pg_dump
 * may fail (it holds one snapshot across many statements): point BACKUP_DATABASE_URL at PostgreSQL itself.
 */

function connectionEnv(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('PG')) delete env[name];
  if (config.backup.databaseUrl) {
    const parsed = new URL(config.backup.databaseUrl);
    return {
      ...env,
      PGHOST: decodeURIComponent(parsed.hostname) || 'localhost',
      PGPORT: parsed.port || '5432',
      PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
      PGUSER: decodeURIComponent(parsed.username),
      PGPASSWORD: decodeURIComponent(parsed.password),
      PGSSLMODE: parsed.searchParams.get('sslmode') ?? 'prefer',
    };
  }
  const database = config.database;
  if (database.kind !== 'postgres') throw new Error('not a PostgreSQL configuration');
  return { ...env, PGHOST: database.host, PGPORT: String(database.port), PGDATABASE: database.name, PGUSER: database.user, PGPASSWORD: database.password, PGSSLMODE: database.sslmode };
}

const MISSING = (program: string) =>
  `${program} was not found: install PostgreSQL's client programs (Debian/Ubuntu: apt install postgresql-client; their major version must be the server's or newer), or put them on PATH`;

/** Runs `program args…`, resolving when it exits 0; its stderr's last lines make the error otherwise. */
export function runPgTool(program: 'pg_dump' | 'pg_restore', args: string[], config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = connectionEnv(config);
    // pg_restore without a database would print SQL instead
    const fullArgs = program === 'pg_restore' ? [`--dbname=${env.PGDATABASE}`, ...args] : args;
    const child = spawn(program, fullArgs, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', (error: NodeJS.ErrnoException) => reject(new BackupError(error.code === 'ENOENT' ? MISSING(program) : `${program}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new BackupError(`${program} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}`));
    });
  });
}
