import pg from 'pg';

/** A Mastodon timestamp without time zone holds UTC (Rails' default): read it as UTC, whatever the process' zone. */
const TIMESTAMP = 1114;
const TIMESTAMP_ARRAY = 1115;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMP) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
    if (oid === TIMESTAMP_ARRAY) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export class SourceError extends Error {}

/** The Mastodon database, read in one read-only snapshot (nothing the import does can write to it). */
export interface MastodonSourceDb {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** whether the source has this table (Mastodon versions differ) */
  hasTable(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function openMastodonSource(url: string): Promise<MastodonSourceDb> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError(`--database must be a postgres:// URL (got ${url})`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new SourceError(`--database must be a postgres:// URL (got ${parsed.protocol}//…)`);
  const client = new pg.Client({ connectionString: url, types, application_name: 'subspace import mastodon' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new SourceError(`cannot reach the Mastodon database: ${(error as Error).message}`);
  }
  // read-only for the session and the transaction, and one snapshot for the whole run
  await client.query('SET default_transaction_read_only = on');
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const query = async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[];
  const tables = new Set((await query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)).map((row) => row.name));
  if (!tables.has('accounts') || !tables.has('statuses') || !tables.has('users')) {
    await client.end().catch(() => {});
    throw new SourceError('the database given is not a Mastodon database (it has no accounts, statuses and users tables)');
  }
  return {
    query,
    async hasTable(name) {
      return tables.has(name);
    },
    async close() {
      await client.query('COMMIT').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
