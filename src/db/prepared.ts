import { createHash } from 'node:crypto';
import { sql, type Placeholder } from 'drizzle-orm';
import type { Database } from './index.ts';
import { compileRowsMapper, type RowsMapper } from './row-mapper.ts';

/**
 * Hot queries built once and then run with their placeholders filled (`sql.placeholder`): building
 * a query's SQL costs more than running it on a warm cache. On PostgreSQL with PREPARED_STATEMENTS
 * (the default) and on PGlite each is a named statement: a connection parses and plans it once (pg
 * prepares it on a connection that does not have it yet; PGlite's one session through
 * pglite-named.ts), and PostgreSQL switches to a generic plan after five executions, where planning
 * the home page's statement costs more than running it. With PREPARED_STATEMENTS=false (PgBouncer
 * in transaction mode, which does not keep a server connection for a client) the statement is
 * unnamed, parsed and planned each time: drizzle's `prepare(name)` with no name is its internal
 * `_prepare()`.
 */
interface Preparable<P> {
  prepare(name: string): P;
}

/** Runs a query as the named statement `name`: PGlite's (pglite.ts), whose drizzle driver ignores names. */
export type NamedQueryRunner = (name: string, text: string, params: unknown[], options: unknown) => Promise<unknown>;

const naming = new WeakMap<Database, 'driver' | NamedQueryRunner>();

/**
 * Lets the hot queries run on `db` as named statements: the driver's own (db/postgres.ts, when
 * PREPARED_STATEMENTS allows), or `runner`'s (db/pglite.ts).
 */
export function allowNamedStatements(db: Database, runner?: NamedQueryRunner): void {
  naming.set(db, runner ?? 'driver');
}

/** The statement's name: the query's, then a digest of its shape (the same text always gets the same name). */
function statementName(query: string, variant: string): string {
  return variant ? `${query}_${createHash('sha1').update(variant).digest('hex').slice(0, 12)}` : query;
}

const unnamed = <P>(query: Preparable<P>): P => (query as unknown as { _prepare(): P })._prepare();

/** drizzle's prepared query (pglite/session.js) with its `client.query()` sent to `runner` under `name`: drizzle still fills the placeholders, logs and maps the rows. */
function namedThrough<P>(query: Preparable<P>, runner: NamedQueryRunner, name: string): P {
  const prepared = unnamed(query);
  (prepared as unknown as { client: unknown }).client = { query: (text: string, params: unknown[], options: unknown) => runner(name, text, params, options) };
  return prepared;
}

/** drizzle's prepared query (either driver's session.js) with its rows mapped by a function written for its selection (row-mapper.ts) */
function withCompiledMapper<P>(prepared: P): P {
  const query = prepared as unknown as { fields?: Parameters<typeof compileRowsMapper>[0]; joinsNotNullableMap?: Record<string, boolean>; customResultMapper?: RowsMapper };
  if (query.fields && !query.customResultMapper) query.customResultMapper = compileRowsMapper(query.fields, query.joinsNotNullableMap);
  return prepared;
}

function prepareOn<P>(db: Database, query: Preparable<P>, name: string): P {
  const how = naming.get(db);
  if (how === 'driver') return query.prepare(name);
  return how ? namedThrough(query, how, name) : unnamed(query);
}

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
      prepared = withCompiledMapper(prepareOn(db, build(db, variant), statementName(name, variant)));
      variants.set(variant, prepared);
    }
    return prepared;
  };
}

/**
 * A page's LIMIT written into the statement, for a query prepared per limit (its variant names
 * it): with LIMIT as a parameter PostgreSQL's generic plan expects a tenth of the rows, costs far
 * more than a plan for 20, and so is never chosen; every execution would be planned again.
 */
export function literalLimit(limit: number): Placeholder {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`not a page size: ${limit}`);
  // drizzle writes any object given as the limit into the SQL as it is
  return sql.raw(String(limit)) as unknown as Placeholder;
}
