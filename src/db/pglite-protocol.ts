/** Messages between the main thread and the thread that runs PGlite (see pglite-thread.ts). */

export interface PgliteThreadOptions {
  dataDir: string;
  /** PostgreSQL settings given as `-c name=value` at start */
  settings: Record<string, string>;
}

/** A type OID whose values are kept as PostgreSQL's text (drizzle parses dates and numerics itself). */
export type RawTypes = number[];

export type Request =
  | { id: number; op: 'query'; sql: string; params: unknown[]; rowMode: 'array' | 'object'; rawTypes: RawTypes; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  /** a query run as a named prepared statement (pglite-named.ts), never inside a transaction */
  | { id: number; op: 'named'; name: string; sql: string; params: unknown[]; rowMode: 'array' | 'object'; rawTypes: RawTypes }
  /** opens a transaction: the reply's value is its number, which the queries inside it carry */
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  /** the data dir as a tar (PGlite's dumpDataDir), for backups */
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

/** The thread's first message: PGlite is open, or why it could not be. */
export type Ready = { ready: true } | { ready: false; error: SerializedError };

export interface SerializedError {
  /** the class: a PostgreSQL error (DatabaseError) or any other */
  kind: 'database' | 'other';
  message: string;
  name: string;
  stack?: string;
  /** severity, code, detail, constraint, query, params…: the error's fields that can be cloned */
  fields: Record<string, unknown>;
}

/** `isDatabaseError` tells PostgreSQL's errors (PGlite's DatabaseError) from others. */
export function serializeError(error: unknown, isDatabaseError: (error: Error) => boolean): SerializedError {
  if (!(error instanceof Error)) return { kind: 'other', message: String(error), name: 'Error', fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    try {
      // the query's options hold parser functions, which stay behind
      fields[key] = structuredClone(value);
    } catch {}
  }
  return { kind: isDatabaseError(error) ? 'database' : 'other', message: error.message, name: error.name, stack: error.stack, fields };
}
