import { createHash } from 'node:crypto';
import type { Database } from './index.ts';

/**
 * Hot queries built once and then run with their placeholders filled (`sql.placeholder`): building
 * a query's SQL costs more than running it on a warm cache. On PostgreSQL with PREPARED_STATEMENTS
 * (the default) each is a named statement: a connection parses and plans it once (pg prepares it
 * on a connection that does not have it yet), and PostgreSQL switches to a generic plan after five
 * executions, where planning the home page's statement costs more than running it. With
 * PREPARED_STATEMENTS=false (PgBouncer in transaction mode, which does not keep a server connection
 * for a client) and on PGlite, the statement is unnamed, parsed and planned each time: drizzle's
 * `prepare(name)` with no name is its internal `_prepare()`.
 */
interface Preparable<P> {
  prepare(name: string): P;
}

const naming = new WeakSet<Database>();

/** Lets the hot queries run on `db` as named statements (db/postgres.ts, when PREPARED_STATEMENTS allows). */
export function allowNamedStatements(db: Database): void {
  naming.add(db);
}

/** The statement's name: the query's, then a digest of its shape (the same text always gets the same name). */
function statementName(query: string, variant: string): string {
  return variant ? `${query}_${createHash('sha1').update(variant).digest('hex').slice(0, 12)}` : query;
}

const unnamed = <P>(query: Preparable<P>): P => (query as unknown as { _prepare(): P })._prepare();

/**
 * `build(db, variant)` prepared once per database and variant (a key naming the query's shape:
 * which optional conditions it has), then kept. `name` names the query among the hot ones (a
 * statement's name, with its variant's, when named).
 */
export function preparedVariants<P>(name: string, build: (db: Database, variant: string) => Preparable<P>): (db: Database, variant: string) => P {
  const byDatabase = new WeakMap<Database, Map<string, P>>();
  return (db, variant) => {
    let variants = byDatabase.get(db);
    if (!variants) byDatabase.set(db, (variants = new Map()));
    let prepared = variants.get(variant);
    if (!prepared) {
      const query = build(db, variant);
      prepared = naming.has(db) ? query.prepare(statementName(name, variant)) : unnamed(query);
      variants.set(variant, prepared);
    }
    return prepared;
  };
}
