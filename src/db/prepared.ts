import type { Database } from './index.ts';

/**
 * Hot queries built once and then run with their placeholders filled (`sql.placeholder`): drizzle's
 * prepared query, but without a name, so that PostgreSQL is sent an unnamed statement each time
 * (named ones live on a server connection, which PgBouncer in transaction mode does not keep for
 * a client). Building a query's SQL costs more than running it on a warm cache: drizzle's
 * `prepare(name)` with no name is its internal `_prepare()`.
 */
interface Preparable<P> {
  prepare(name: string): P;
}

const prepare = <P>(query: Preparable<P>): P => (query as unknown as { _prepare(): P })._prepare();

/**
 * `build(db, variant)` prepared once per database and variant (a key naming the query's shape:
 * which optional conditions it has), then kept.
 */
export function preparedVariants<P>(build: (db: Database, variant: string) => Preparable<P>): (db: Database, variant: string) => P {
  const byDatabase = new WeakMap<Database, Map<string, P>>();
  return (db, variant) => {
    let variants = byDatabase.get(db);
    if (!variants) byDatabase.set(db, (variants = new Map()));
    let prepared = variants.get(variant);
    if (!prepared) variants.set(variant, (prepared = prepare(build(db, variant))));
    return prepared;
  };
}
