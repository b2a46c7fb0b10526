/**
 * Calls listeners once a statement that changes rows of watched tables has taken effect: at once
 * for a statement outside a transaction, at COMMIT for one inside. Watching happens at the driver,
 * so every write is seen, whatever code (service, CLI, raw SQL) issued it; the listeners finish
 * before the statement's promise resolves, hence before any answer that follows the write.
 */
export type WritesListener = () => Promise<void>;

const WRITE = /\b(?:update|delete\s+from|truncate(?:\s+table)?|insert\s+into|merge\s+into)\s+(?:only\s+)?(?:"?public"?\.)?"?([a-z_]+)"?(?!\w)/gi;
const UPSERT = /\bon\s+conflict\b[\s\S]*\bdo\s+update\b/i;

export class TableWrites {
  #watched = new Set<string>();
  #listeners: WritesListener[] = [];
  /** told each statement's duration in seconds, when set (the metrics' query-time histogram) */
  statementTimer?: (seconds: number) => void;

  /** `listener` runs after every committed write to one of `tables` (an insert only when it may update: ON CONFLICT DO UPDATE) */
  watch(tables: string[], listener: WritesListener): void {
    for (const table of tables) this.#watched.add(table);
    this.#listeners.push(listener);
  }

  /** whether this statement may change rows of a watched table */
  changesWatched(text: string): boolean {
    if (this.#listeners.length === 0) return false;
    for (const match of text.matchAll(WRITE)) {
      if (!this.#watched.has(match[1]!.toLowerCase())) continue;
      if (/^insert/i.test(match[0]) && !UPSERT.test(text)) continue;
      return true;
    }
    return false;
  }

  async notify(): Promise<void> {
    for (const listener of this.#listeners) await listener();
  }
}

export function statementText(query: unknown): string {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/** Tracks one connection's transaction: a write inside it is reported at its COMMIT. */
export class ConnectionWrites {
  #inTransaction = false;
  #dirty = false;
  #writes: TableWrites;

  constructor(writes: TableWrites) {
    this.#writes = writes;
  }

  begin(): void {
    this.#inTransaction = true;
    this.#dirty = false;
  }

  /** the transaction ended: its writes are reported when it committed (or may have: a COMMIT that failed on the way) */
  async end(committed: boolean): Promise<void> {
    const dirty = this.#dirty;
    this.#inTransaction = false;
    this.#dirty = false;
    if (committed && dirty) await this.#writes.notify();
  }

  /** runs a statement on this connection, reporting its writes once they are committed */
  run<T>(text: string, execute: () => Promise<T>): Promise<T> {
    const timer = this.#writes.statementTimer;
    if (!timer) return this.#run(text, execute);
    return this.#run(text, async () => {
      const started = performance.now();
      try {
        return await execute();
      } finally {
        timer((performance.now() - started) / 1000);
      }
    });
  }

  async #run<T>(text: string, execute: () => Promise<T>): Promise<T> {
    if (/^\s*(?:begin|start\s+transaction)\b/i.test(text)) {
      const result = await execute();
      this.begin();
      return result;
    }
    if (/^\s*(?:commit|end)\b/i.test(text)) {
      try {
        return await execute();
      } finally {
        await this.end(true);
      }
    }
    if (/^\s*(?:rollback|abort)\s*;?\s*$/i.test(text)) {
      await this.end(false);
      return execute();
    }
    if (!this.#writes.changesWatched(text)) return execute();
    if (this.#inTransaction) {
      this.#dirty = true;
      return execute();
    }
    const result = await execute();
    await this.#writes.notify();
    return result;
  }
}

type Statement = (text: string, ...rest: unknown[]) => Promise<unknown>;
interface PgliteLike {
  query: Statement;
  exec: Statement;
  transaction<T>(callback: (tx: PgliteLike) => Promise<T>): Promise<T>;
}

/** `target` with its query() and exec() run through `tracker`, its other members bound to it. */
function trackedStatements<T extends object>(target: T, tracker: () => ConnectionWrites): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'query' || property === 'exec') {
        return (text: string, ...rest: unknown[]) => tracker().run(text, () => (value as Statement).call(object, text, ...rest));
      }
      return value.bind(object);
    },
  });
}

/** A PGlite client (or the threaded one) whose writes to watched tables are reported. */
export function watchPgliteWrites<T extends object>(client: T, writes: TableWrites): T {
  const tracked = trackedStatements(client, () => new ConnectionWrites(writes));
  return new Proxy(tracked, {
    get(object, property) {
      if (property !== 'transaction') return Reflect.get(object, property);
      return async <R>(callback: (tx: PgliteLike) => Promise<R>): Promise<R> => {
        const tracker = new ConnectionWrites(writes);
        tracker.begin();
        let result: R;
        try {
          result = await (client as unknown as PgliteLike).transaction((tx) => callback(trackedStatements(tx, () => tracker)));
        } catch (error) {
          await tracker.end(false);
          throw error;
        }
        await tracker.end(true);
        return result;
      };
    },
  });
}

interface PoolLike {
  query(...args: unknown[]): Promise<unknown>;
  connect(...args: unknown[]): Promise<unknown>;
}

/**
 * A pg pool whose writes to watched tables are reported: pool.query() runs each statement on its
 * own (autocommit); a client checked out by connect() (drizzle's transactions) follows BEGIN/COMMIT.
 * The callback forms are pg-pool's own internals and pass through.
 */
export function watchPoolWrites(pool: PoolLike, writes: TableWrites): void {
  const poolQuery = pool.query.bind(pool);
  const poolConnect = pool.connect.bind(pool);
  const trackedClients = new WeakSet<object>();
  pool.query = (query: unknown, ...rest: unknown[]) => {
    if (typeof rest.at(-1) === 'function') return poolQuery(query, ...rest);
    return new ConnectionWrites(writes).run(statementText(query), () => poolQuery(query, ...rest));
  };
  pool.connect = async (...args: unknown[]) => {
    if (args.length > 0) return poolConnect(...args);
    const client = (await poolConnect()) as { query: (...args: unknown[]) => Promise<unknown> };
    if (!trackedClients.has(client)) {
      trackedClients.add(client);
      const tracker = new ConnectionWrites(writes);
      const clientQuery = client.query.bind(client);
      client.query = (query: unknown, ...rest: unknown[]) => {
        if (typeof rest.at(-1) === 'function') return clientQuery(query, ...rest);
        return tracker.run(statementText(query), () => clientQuery(query, ...rest));
      };
    }
    return client;
  };
}
