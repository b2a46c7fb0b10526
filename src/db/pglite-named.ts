import { protocol, types, type PGlite, type QueryOptions } from '@electric-sql/pglite';
import { readParameterTypes, readResult, type TypeParser, type WireResult } from './pglite-wire.ts';

/**
 * Named prepared statements on PGlite, which its `query()` does not offer (it parses an unnamed
 * statement, so PostgreSQL plans the query again on every execution, and planning a timeline's
 * statement costs more than running it). A statement is parsed once per PGlite instance under its
 * name; after that each execution is one message batch (Bind, Describe, Execute, Sync), and from
 * the sixth on PostgreSQL runs its generic plan without planning. Run under PGlite's own locks,
 * as `query()` is: never inside another caller's transaction. The answer is read by
 * pglite-wire.ts; int8 values stay text, as node-postgres leaves them (drizzle's columns take both).
 */

export type NamedQueryOptions = Pick<QueryOptions, 'rowMode' | 'parsers'>;

interface Statement {
  text: string;
  /** the parameters' type OIDs, as PostgreSQL inferred them at Parse */
  paramTypes: number[];
}

const statementsOf = new WeakMap<PGlite, Map<string, Statement>>();

function concat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** What PostgreSQL answers to a batch of messages, copied out of PGlite's memory as it writes it. */
async function exchange(pglite: PGlite, batch: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await pglite.execProtocolRawStream(batch, { syncToFs: false, onRawData: (bytes) => chunks.push(bytes.slice()) });
  return chunks.length === 1 ? chunks[0]! : concat(chunks);
}

async function prepare(pglite: PGlite, name: string, text: string): Promise<Statement> {
  const { serialize } = protocol;
  const answer = await exchange(pglite, concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]));
  return { text, paramTypes: readParameterTypes(answer) };
}

const keepText = (value: string) => value;

/** The statement `name`, parsed on first use (under PGlite's query lock). */
async function statementFor(pglite: PGlite, name: string, text: string): Promise<Statement> {
  let statements = statementsOf.get(pglite);
  if (!statements) statementsOf.set(pglite, (statements = new Map()));
  let statement = statements.get(name);
  if (!statement) {
    statement = await prepare(pglite, name, text);
    statements.set(name, statement);
  } else if (statement.text !== text) {
    throw new Error(`the prepared statement ${name} was given another query`);
  }
  return statement;
}

function serializeParams(pglite: PGlite, statement: Statement, params: readonly unknown[]): (string | null)[] {
  return params.map((param, i) => {
    if (param === null || param === undefined) return null;
    const serialize = pglite.serializers[statement.paramTypes[i]!];
    return serialize ? serialize(param) : String(param);
  });
}

/** Runs `text` as the statement `name` (prepared on first use); the same name must always be given the same text. */
export async function queryNamed(pglite: PGlite, name: string, text: string, params: readonly unknown[], options: NamedQueryOptions = {}): Promise<WireResult> {
  await pglite._checkReady();
  const parserOf = (typeId: number): TypeParser | undefined => options.parsers?.[typeId] ?? (typeId === types.INT8 ? keepText : pglite.parsers[typeId]);
  return pglite._runExclusiveTransaction(() =>
    pglite._runExclusiveQuery(async () => {
      try {
        const statement = await statementFor(pglite, name, text);
        const { serialize } = protocol;
        const batch = concat([serialize.bind({ statement: name, values: serializeParams(pglite, statement, params) }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);
        return readResult(await exchange(pglite, batch), parserOf, options.rowMode ?? 'object');
      } catch (error) {
        // as PGlite's query() tells its errors
        Object.assign(error as object, { query: text, params });
        throw error;
      }
    }),
  );
}
