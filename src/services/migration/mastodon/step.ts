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
