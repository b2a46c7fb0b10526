const DIGITS = /^\d{1,19}$/;
const MAX_ID = 2n ** 63n - 1n;

/** Whether a param can name a row: a bigint id in decimal (anything else, or out of range, is a 404 and never reaches SQL). */
export function isRowId(value: unknown): value is string {
  return typeof value === 'string' && DIGITS.test(value) && BigInt(value) <= MAX_ID;
}

/** The id in canonical form (no leading zeros), or undefined when it cannot name a row (Mastodon answers 404). */
export function rowId(value: unknown): string | undefined {
  return isRowId(value) ? BigInt(value).toString() : undefined;
}

/** The smallest row id made at `at` (ids carry their time in the high bits, see `timestamp_id()`), for index range scans. */
export function idFloor(at: Date): string {
  return (BigInt(at.getTime()) << 16n).toString();
}
