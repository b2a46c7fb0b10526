import type { PgTable } from 'drizzle-orm/pg-core';
import type { Config } from '../../../config/index.ts';
import type { Database } from '../../../db/index.ts';
import type { OtpSecretResult, EncryptedOtpSecret } from './otp-secrets.ts';
import type { MediaSource } from './paperclip.ts';
import type { MastodonSourceDb } from './source.ts';

/** Counts of what was not carried over, by reason. */
export type Skips = Record<string, number>;

export interface StepContext {
  config: Config;
  /** this instance's base URL (`https://LOCAL_DOMAIN`) */
  base: string;
  source: MastodonSourceDb;
  media: MediaSource;
  /** a member's TOTP secret in clear, read with Mastodon's keys when they were given */
  readOtpSecret: (row: EncryptedOtpSecret) => OtpSecretResult;
}

/**
 * One kind of record carried over: the source rows read by id in batches (`select` takes the last
 * id carried over as $1 and the batch size as $2, and returns `id` as text, in id order), and
 * written in one transaction with the step's progress.
 */
/** A row of the Mastodon database as a step's SELECT returns it (its columns are the step's to know). */
// biome-ignore lint/suspicious/noExplicitAny: the shape of each row is that of its step's SELECT
export type SourceRow = { id: string } & Record<string, any>;

export interface ImportStep<Row extends { id: string } = SourceRow> {
  name: string;
  /** the source table; the step is left out when the source has no such table */
  table: string;
  select: string;
  write(tx: Database, rows: Row[], ctx: StepContext, skip: (reason: string, by?: number) => void): Promise<void>;
}

/** A source id from the lowest a Mastodon table holds (the instance actor and @everyone are negative). */
export const BEFORE_ALL = '-9223372036854775808';

export const orNull = <T>(value: T | '' | undefined | null): T | null => (value === '' || value === undefined ? null : value);

/** `id::text AS id, …`: Mastodon's bigint columns read as the strings Subspace keeps ids in. */
export const ids = (...columns: string[]) => columns.map((column) => `${column}::text AS ${column}`).join(', ');
/** A step's batch: the rows after the last id written, in id order. */
export const after = 'WHERE id > $1::bigint ORDER BY id LIMIT $2';

/** A table whose rows map one for one (or are skipped, when `map` gives null), inserted unless already there. */
export function rowsStep(name: string, table: string, select: string, target: PgTable, map: (row: SourceRow, skip: (reason: string) => void) => Record<string, unknown> | null): ImportStep {
  return {
    name,
    table,
    select,
    async write(tx, rows, _ctx, skip) {
      const values = rows.map((row) => map(row, skip)).filter((value) => value !== null);
      if (values.length > 0)
        await tx
          .insert(target)
          .values(values as never)
          .onConflictDoNothing();
    },
  };
}
