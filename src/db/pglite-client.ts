import { Worker } from 'node:worker_threads';
import { messages } from '@electric-sql/pglite';
import type { PgliteThreadOptions, RawTypes, Ready, Reply, Request, SerializedError } from './pglite-protocol.ts';

/** Drizzle's pglite driver passes query options with parsers; only parsers that keep the text are supported. */
export interface QueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

export interface QueryResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** The part of PGlite's interface drizzle's pglite driver uses, for the client and a transaction alike. */
export interface Queryable {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult>;
  exec(sql: string): Promise<QueryResult[]>;
}

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function rebuildError(serialized: SerializedError): Error {
  const error = serialized.kind === 'database' ? new messages.DatabaseError(serialized.message, 0, 'error') : Object.assign(new Error(serialized.message), { name: serialized.name });
  Object.assign(error, serialized.fields);
  return error;
}

function rawTypes(options: QueryOptions | undefined): RawTypes {
  if (!options?.parsers) return [];
  return Object.entries(options.parsers).map(([oid, parse]) => {
    if (parse('1', Number(oid)) !== '1') throw new Error(`type parsers other than the identity cannot cross to the database thread (type ${oid})`);
    return Number(oid);
  });
}

/**
 * PGlite running in a worker thread (pglite-thread.ts), with the interface drizzle's pglite driver
 * uses: queries and transactions cross to the thread as messages, so the main event loop never
 * waits on the WASM. Rows arrive by structured clone, which keeps Date, BigInt, Uint8Array and
 * arrays as PGlite produced them. A transaction holds the database until it ends: other queries wait.
 * The thread keeps the process alive only while a request is under way.
 */
export class ThreadedPglite implements Queryable {
  #worker: Worker;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  #stopped: Error | undefined;
  #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (error) => this.#stop(error));
    worker.on('exit', (code) => this.#stop(new Error(`the embedded database thread stopped (exit code ${code})`)));
    worker.unref();
  }

  static async open(options: PgliteThreadOptions): Promise<ThreadedPglite> {
    // the thread's own JavaScript is small: a small young generation keeps its heap from growing idle
    const worker = new Worker(new URL('./pglite-thread.ts', import.meta.url), { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    const listeners: { message?: (ready: Ready) => void; error?: (error: Error) => void; exit?: (code: number) => void } = {};
    const ready = await new Promise<Ready>((resolve, reject) => {
      listeners.message = resolve;
      listeners.error = reject;
      listeners.exit = (code) => reject(new Error(`the embedded database thread stopped before opening (exit code ${code})`));
      worker.once('message', listeners.message).once('error', listeners.error).once('exit', listeners.exit);
    }).finally(() => worker.off('message', listeners.message!).off('error', listeners.error!).off('exit', listeners.exit!));
    if (!ready.ready) {
      await worker.terminate();
      throw rebuildError(ready.error);
    }
    return new ThreadedPglite(worker);
  }

  get closed(): boolean {
    return this.#stopped !== undefined;
  }

  #send(body: RequestBody): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ ...body, id } as Request);
      } catch (error) {
        // a parameter structured clone cannot carry
        this.#settle({ id, ok: false, error: { kind: 'other', message: (error as Error).message, name: (error as Error).name, fields: {} } });
      }
    });
  }

  #settle(reply: Reply) {
    const waiting = this.#pending.get(reply.id);
    if (!waiting) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(rebuildError(reply.error));
  }

  #stop(error: Error) {
    this.#stopped ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }

  query(sql: string, params: unknown[] = [], options?: QueryOptions, tx?: number): Promise<QueryResult> {
    return this.#sendQuery(options, (rowMode, raw) => ({ op: 'query', sql, params, rowMode, rawTypes: raw, tx }));
  }

  /** `sql` as the named prepared statement `name` (pglite-named.ts) */
  queryNamed(name: string, sql: string, params: unknown[] = [], options?: QueryOptions): Promise<QueryResult> {
    return this.#sendQuery(options, (rowMode, raw) => ({ op: 'named', name, sql, params, rowMode, rawTypes: raw }));
  }

  #sendQuery(options: QueryOptions | undefined, body: (rowMode: 'array' | 'object', raw: RawTypes) => RequestBody): Promise<QueryResult> {
    let raw: RawTypes;
    try {
      raw = rawTypes(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(body(options?.rowMode ?? 'object', raw)) as Promise<QueryResult>;
  }

  exec(sql: string, tx?: number): Promise<QueryResult[]> {
    return this.#send({ op: 'exec', sql, tx }) as Promise<QueryResult[]>;
  }

  /** Runs `callback` in a transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(callback: (tx: Queryable) => Promise<T>): Promise<T> {
    const number = (await this.#send({ op: 'begin' })) as number;
    const tx: Queryable = {
      query: (sql, params, options) => this.query(sql, params, options, number),
      exec: (sql) => this.exec(sql, number),
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      await this.#send({ op: 'end', tx: number, commit: false }).catch(() => {});
      throw error;
    }
    await this.#send({ op: 'end', tx: number, commit: true });
    return result;
  }

  /** The data dir as an uncompressed tar, consistent as after a crash (PGlite's dumpDataDir). */
  async dumpDataDir(): Promise<Uint8Array> {
    return (await this.#send({ op: 'dump' })) as Uint8Array;
  }

  /** Closes the database, then the thread ends. */
  async close(): Promise<void> {
    if (!this.#stopped) {
      try {
        await this.#send({ op: 'close' });
      } finally {
        this.#stop(new Error('the embedded database is closed'));
      }
    }
    // the thread ends by itself once its port closes; it is never left behind
    const timeout = setTimeout(() => void this.#worker.terminate(), 5_000);
    await this.#exited;
    clearTimeout(timeout);
  }
}
