import { parentPort, workerData } from 'node:worker_threads';
import { messages, PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { releaseFreeMemory } from '../lib/release-memory.ts';
import { queryNamed } from './pglite-named.ts';
import { type PgliteThreadOptions, type Ready, type Reply, type Request, serializeError as serialize } from './pglite-protocol.ts';

/**
 * The worker thread that owns the embedded database: PGlite's WASM runs here, so a long query
 * never stalls the main thread's event loop. It answers requests from pglite-client.ts.
 */

const port = parentPort!;
const options = workerData as PgliteThreadOptions;

const startParams = [...PGlite.defaultStartParams, ...Object.entries(options.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];

/** Open transactions by number: each holds PGlite's lock until its 'end' arrives. */
const transactions = new Map<number, { tx: Transaction; finish(commit: boolean): void; outcome: Promise<void> }>();
let nextTransaction = 1;
const identity = (value: unknown) => value;
const rollback = Symbol('rollback');

function target(tx: number | undefined): Pick<Transaction, 'query' | 'exec'> {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`no open transaction ${tx}`);
  return open.tx;
}

/** Resolves a new transaction's number once it holds the lock (after BEGIN). */
function begin(): Promise<number> {
  const number = nextTransaction++;
  return new Promise((started, failed) => {
    const run = db.transaction(
      (tx) =>
        new Promise<void>((commit, abort) => {
          transactions.set(number, { tx, finish: (ok) => (ok ? commit() : abort(rollback)), outcome });
          started(number);
        }),
    );
    // COMMIT's (or ROLLBACK's) own outcome; the rollback asked for is no error
    const outcome = run.then(
      () => undefined,
      (error: unknown) => {
        if (error !== rollback) throw error;
      },
    );
    outcome.catch(failed).finally(() => transactions.delete(number));
  });
}

async function end(number: number, commit: boolean): Promise<void> {
  const open = transactions.get(number);
  if (!open) throw new Error(`no open transaction ${number}`);
  open.finish(commit);
  await open.outcome;
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const parsers = Object.fromEntries(request.rawTypes.map((oid) => [oid, identity]));
      return await target(request.tx).query(request.sql, request.params, { rowMode: request.rowMode, parsers });
    }
    case 'named': {
      const parsers = Object.fromEntries(request.rawTypes.map((oid) => [oid, identity]));
      return await queryNamed(db, request.name, request.sql, request.params, { rowMode: request.rowMode, parsers });
    }
    case 'exec':
      return await target(request.tx).exec(request.sql);
    case 'begin':
      return await begin();
    case 'end':
      return await end(request.tx, request.commit);
    case 'dump':
      return new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
    case 'close':
      await db.close();
      return undefined;
  }
}

const serializeError = (error: unknown) => serialize(error, (candidate) => candidate instanceof messages.DatabaseError);

function reply(message: Reply) {
  try {
    port.postMessage(message);
  } catch (error) {
    // a value structured clone cannot carry: the request fails rather than the thread
    port.postMessage({ id: message.id, ok: false, error: serializeError(error) } satisfies Reply);
  }
}

let db: PGlite;
try {
  db = await PGlite.create(options.dataDir, { extensions: { pg_trgm }, startParams });
  // A new data dir is made by initdb, a WASM module of its own whose memory (hundreds of MB) is
  // garbage once it ran; this thread allocates too little JavaScript for V8 to collect it soon.
  releaseFreeMemory();
  port.postMessage({ ready: true } satisfies Ready);
} catch (error) {
  port.postMessage({ ready: false, error: serializeError(error) } satisfies Ready);
  port.close();
}

port.on('message', (request: Request) => {
  handle(request).then(
    (value) => {
      reply({ id: request.id, ok: true, value });
      if (request.op === 'close') port.close();
    },
    (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
  );
});
