// Outside four-digit years, dates serialize as `+0YYYYY-…`/`-0YYYYY-…`, which PostgreSQL cannot read.
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** A date given as a parameter, or undefined when it does not parse or could not be stored. */
export function parseDateParam(value: string): Date | undefined {
  const at = new Date(value);
  const time = at.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) return undefined;
  return at;
}
