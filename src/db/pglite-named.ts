import { parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';

/**
 * Named prepared statements on PGlite, which its `query()` does not offer (it parses an unnamed
 * statement, so PostgreSQL plans the query again on every execution, and planning a timeline's
 * statement costs more than running it). A statement is parsed once per PGlite instance under its
 * name; after that each execution is one message batch (Bind, Describe, Execute, Sync), and from
 * the sixth on PostgreSQL runs its generic plan without planning. Run under PGlite's own locks,
 * as `query()` is: never inside another caller's transaction.
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

const NO_SYNC = { syncToFs: false };

async function prepare(pglite: PGlite, name: string, text: string): Promise<Statement> {
  const { serialize } = protocol;
  const { messages } = await pglite.execProtocol(concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]), NO_SYNC);
  return { text, paramTypes: parse.parseDescribeStatementResults(messages) };
}

function serializeParams(pglite: PGlite, statement: Statement, params: readonly unknown[]): (string | null)[] {
  return params.map((param, i) => {
    if (param === null || param === undefined) return null;
    const serialize = pglite.serializers[statement.paramTypes[i]!];
    return serialize ? serialize(param) : String(param);
  });
}

/** Runs `text` as the statement `name` (prepared on first use); the same name must always be given the same text. */
export async function queryNamed<T>(pglite: PGlite, name: string, text: string, params: readonly unknown[], options: NamedQueryOptions = {}): Promise<Results<T>> {
  await pglite._checkReady();
  return pglite._runExclusiveTransaction(() =>
    pglite._runExclusiveQuery(async () => {
      let statements = statementsOf.get(pglite);
      if (!statements) statementsOf.set(pglite, (statements = new Map()));
      let statement = statements.get(name);
      if (!statement) {
        statement = await prepare(pglite, name, text);
        statements.set(name, statement);
      } else if (statement.text !== text) {
        throw new Error(`the prepared statement ${name} was given another query`);
      }
      const { serialize } = protocol;
      const batch = concat([serialize.bind({ statement: name, values: serializeParams(pglite, statement, params) }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);
      try {
        const { messages } = await pglite.execProtocol(batch, NO_SYNC);
        return parse.parseResults(messages, pglite.parsers, options)[0] as Results<T>;
      } catch (error) {
        Object.assign(error as object, { query: text, params });
        throw error;
      }
    }),
  );
}
