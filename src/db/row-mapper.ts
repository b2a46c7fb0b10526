import { Column, getTableName, is, noopDecoder, SQL, Subquery } from 'drizzle-orm';

/**
 * A hot query's rows mapped by a function written once for its selection (db/prepared.ts), where
 * drizzle's `mapResultRow` works out each column's decoder and place in the result again for every
 * value of every row (`is()` checks and path walks: a tenth of a timeline request's CPU). The
 * result is the same: the same nesting and key order, a left-joined table's object null when its
 * first column is (drizzle's rule), values decoded by the same columns.
 */

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** drizzle's ordered selection (orderSelectedFields), as its prepared queries keep it */
interface SelectedField {
  path: string[];
  field: unknown;
}

export type RowsMapper = (rows: unknown[][]) => Record<string, unknown>[];

/** drizzle's SQL keeps its decoder (`.mapWith()`) as an internal member */
const sqlDecoder = (sql: SQL) => (sql as unknown as { decoder: Decoder }).decoder;

function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field;
  if (is(field, SQL)) return sqlDecoder(field);
  if (is(field, Subquery)) return sqlDecoder((field as unknown as { _: { sql: SQL } })._.sql);
  return sqlDecoder((field as SQL.Aliased).sql);
}

const identity = (decoder: Decoder) => decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue || decoder.mapFromDriverValue === noopDecoder.mapFromDriverValue;

interface Entry {
  key: string;
  /** the column's index for a value, the nested object's for an object */
  index?: number;
  nested?: { key: string; index: number }[];
  /** a nested object's table, when all its columns are one table's */
  table?: string | false;
  /** the index of a nested object's first column */
  firstColumn?: number;
}

/**
 * The mapper of a selection, or undefined where it nests deeper than one level (drizzle's
 * mapResultRow then keeps mapping it).
 */
export function compileRowsMapper(fields: readonly SelectedField[], joinsNotNullableMap: Record<string, boolean> | undefined): RowsMapper | undefined {
  if (fields.some(({ path }) => path.length < 1 || path.length > 2)) return undefined;
  const decoders: (Decoder['mapFromDriverValue'] | undefined)[] = [];
  const entries: Entry[] = [];
  const byKey = new Map<string, Entry>();
  fields.forEach(({ path, field }, index) => {
    const decoder = decoderOf(field);
    decoders[index] = identity(decoder) ? undefined : decoder.mapFromDriverValue.bind(decoder);
    const [key, nestedKey] = path as [string, string?];
    if (nestedKey === undefined) {
      entries.push({ key, index });
      return;
    }
    let entry = byKey.get(key);
    if (!entry) {
      entry = { key, nested: [], table: undefined };
      byKey.set(key, entry);
      entries.push(entry);
    }
    entry.nested!.push({ key: nestedKey, index });
    if (is(field, Column)) {
      // drizzle nulls the object when its first column is null and every column is this table's
      if (entry.table === undefined) {
        entry.table = getTableName(field.table);
        entry.firstColumn = index;
      } else if (entry.table !== getTableName(field.table)) entry.table = false;
    }
  });
  const value = (index: number) => (decoders[index] ? `(row[${index}] === null ? null : d[${index}](row[${index}]))` : `row[${index}]`);
  const object = (members: { key: string; index: number }[]) => `{ ${members.map((member) => `${JSON.stringify(member.key)}: ${value(member.index)}`).join(', ')} }`;
  const members = entries.map((entry) => {
    if (!entry.nested) return `${JSON.stringify(entry.key)}: ${value(entry.index!)}`;
    const nullable = typeof entry.table === 'string' && joinsNotNullableMap && !joinsNotNullableMap[entry.table];
    const built = object(entry.nested);
    return `${JSON.stringify(entry.key)}: ${nullable ? `row[${entry.firstColumn}] === null ? null : ${built}` : built}`;
  });
  // a function written for this selection: object literals of one shape, no lookups per value
  const mapRow = new Function('d', `return (row) => ({ ${members.join(', ')} });`)(decoders) as (row: unknown[]) => Record<string, unknown>;
  return (rows) => rows.map(mapRow);
}
