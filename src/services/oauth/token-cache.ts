import type { AccessTokenRow, AccountRow, ApplicationRow, UserRow } from '../../db/schema.ts';
import { randomUUID } from 'node:crypto';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import { accounts, oauthAccessTokens, oauthApplications, users } from '../../db/schema.ts';
import type { TableWrites } from '../../db/table-writes.ts';

/**
 * Token lookups (token, application, user and account rows) cached by token digest, each entry
 * tagged with the credentials epoch it was read under. Every committed write to one of these four
 * tables, by any code in any process, replaces the epoch (db/table-writes.ts watches the driver),
 * so an entry read before a revocation, a suspension, a password or profile change is never used
 * after it: the epoch is replaced before the writing request answers. A reader takes the epoch
 * BEFORE reading the rows, so rows read across a write carry the older epoch and are discarded.
 * The cache is ctx.cache: Redis in server mode, where every web and streaming process shares it.
 */
const CREDENTIAL_TABLES: PgTable[] = [users, accounts, oauthAccessTokens, oauthApplications];
const EPOCH_KEY = 'auth:epoch';
const EPOCH_TTL_SECONDS = 7 * 24 * 3600;
/** bounds what an epoch change lost to a Redis failure could leave behind */
const ENTRY_TTL_SECONDS = 300;
const entryKey = (digest: string) => `auth:token:${digest}`;

const watching = new WeakSet<TableWrites>();

/**
 * Replaces the epoch after every committed write to the credential tables; the cache is used only
 * once this runs, and only where every process shares it: embedded (one process), or a Redis cache.
 * PostgreSQL without Redis leaves each process a memory cache of its own, which another process's
 * writes (a CLI command, a second web process) could not reach: lookups stay uncached there.
 */
export function watchCredentialWrites(ctx: Pick<AppContext, 'database' | 'cache' | 'config'>): void {
  if (watching.has(ctx.database.writes)) return;
  if (ctx.database.kind !== 'pglite' && !ctx.config.cacheRedis) return;
  ctx.database.writes.watch(
    CREDENTIAL_TABLES.map((table) => getTableName(table)),
    () => ctx.cache.set(EPOCH_KEY, randomUUID(), EPOCH_TTL_SECONDS),
  );
  watching.add(ctx.database.writes);
}

/** The timestamp columns of each table, by their property names: JSON turns their Dates into strings. */
const dateFields = new Map(
  CREDENTIAL_TABLES.map((table) => [
    table,
    Object.entries(getTableColumns(table))
      .filter(([, column]) => column.dataType === 'date')
      .map(([name]) => name),
  ]),
);

function reviveDates(row: Record<string, unknown> | null, table: PgTable): void {
  if (!row) return;
  for (const name of dateFields.get(table) ?? []) {
    if (typeof row[name] === 'string') row[name] = new Date(row[name]);
  }
}

export interface CachedTokenRow {
  token: AccessTokenRow;
  application: ApplicationRow | null;
  user: UserRow | null;
  account: AccountRow | null;
}

function parse(value: string): CachedTokenRow & { epoch: string } {
  const entry = JSON.parse(value) as CachedTokenRow & { epoch: string };
  reviveDates(entry.token, oauthAccessTokens);
  reviveDates(entry.application, oauthApplications);
  reviveDates(entry.user, users);
  reviveDates(entry.account, accounts);
  return entry;
}

/**
 * The token rows of these digests: from the cache when their entry is of the current epoch, else
 * from `load` (which is then cached). A cache that fails only costs the statement.
 */
export async function cachedTokenRows(ctx: AppContext, digests: string[], load: (digests: string[]) => Promise<CachedTokenRow[]>): Promise<Map<string, CachedTokenRow>> {
  if (!watching.has(ctx.database.writes)) return byDigest(await load(digests));
  const values = await ctx.cache.getMany([EPOCH_KEY, ...digests.map(entryKey)]).catch(() => null);
  const epoch = values?.[0] ?? null;
  const found = new Map<string, CachedTokenRow>();
  digests.forEach((digest, index) => {
    const value = values?.[index + 1];
    if (!epoch || !value) return;
    const { epoch: entryEpoch, ...row } = parse(value);
    if (entryEpoch === epoch) found.set(digest, row);
  });
  const missing = digests.filter((digest) => !found.has(digest));
  if (missing.length === 0) return found;
  const loaded = await load(missing);
  for (const row of loaded) found.set(row.token.tokenDigest, row);
  if (epoch) {
    await Promise.all(loaded.map((row) => ctx.cache.set(entryKey(row.token.tokenDigest), JSON.stringify({ ...row, epoch }), ENTRY_TTL_SECONDS))).catch(() => {});
  } else if (values) {
    // no epoch yet (a fresh cache): the next lookup can cache under this one
    await ctx.cache.setIfAbsent(EPOCH_KEY, randomUUID(), EPOCH_TTL_SECONDS).catch(() => {});
  }
  return found;
}

function byDigest(rows: CachedTokenRow[]): Map<string, CachedTokenRow> {
  return new Map(rows.map((row) => [row.token.tokenDigest, row]));
}
