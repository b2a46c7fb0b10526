import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/index.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { settings, tags } from '../../src/db/schema.ts';
import { pgliteCopies } from '../helpers/pglite-copies.ts';

/**
 * The embedded database's driver contract: PGlite in a worker thread answers exactly as PGlite in
 * the main thread (drizzle's own pglite driver) does — row shapes and types, PostgreSQL errors,
 * transactions — and keeps the main event loop free while it works.
 */

const { open, emptyDir } = pgliteCopies('driver');

function threadCount(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

const TYPES_QUERY = sql`SELECT
  timestamptz '2024-02-29 12:34:56.789+00' AS at, timestamp '2024-01-01 00:00:00' AS naive, date '2024-03-01' AS day,
  interval '1 day 2 hours' AS span, 9007199254740993::int8 AS big, 12::int8 AS small_big, 3::int4 AS int,
  1.5::float8 AS float, 12.345::numeric AS exact, true AS flag, NULL::text AS nothing,
  '{"a":[1,{"b":null}]}'::jsonb AS doc, '[1,"x"]'::json AS list, ARRAY['a','b''c',NULL] AS texts, ARRAY[1,2,3]::int8[] AS bigs,
  ARRAY[timestamptz '2024-01-01 00:00:00+00'] AS stamps, ARRAY[1.5]::numeric[] AS exacts, '\\x00ff10'::bytea AS bytes,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, ${'héllo ✓'} AS param, ${42} AS number_param, ${new Date('2020-05-06T07:08:09.010Z')}::timestamptz AS date_param`;

/** What each driver answers to the same work. */
async function answers(db: Database) {
  const raw = (await db.execute(TYPES_QUERY)) as unknown as { rows: unknown[]; fields: unknown[] };
  const [inserted] = await db
    .insert(tags)
    .values({ id: '1', name: 'Contract', maxScore: 2.5, reviewedAt: new Date('2023-04-05T06:07:08.009Z') })
    .returning();
  await db.insert(settings).values({ var: 'contract', value: { list: [1, 'two', { three: 3 }], nested: { ok: true } } });
  const selected = await db.select().from(tags).where(eq(tags.id, '1'));
  const relational = await db.query.tags.findFirst({ where: eq(tags.name, 'Contract') });
  const setting = await db.select({ value: settings.value }).from(settings).where(eq(settings.var, 'contract'));
  const updated = await db.update(tags).set({ listable: false }).where(eq(tags.id, '1'));
  const { createdAt: _c, ...stableRow } = inserted!;
  return {
    raw: { rows: raw.rows, fields: raw.fields },
    inserted: stableRow,
    selected: selected.map(({ createdAt, ...row }) => ({ ...row, createdAtIsDate: createdAt instanceof Date })),
    relational: relational && { ...relational, createdAt: relational.createdAt instanceof Date },
    setting,
    updated: { ...(updated as unknown as object) },
  };
}

async function errorOf(work: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await work.then(
    () => assert.fail('expected a PostgreSQL error'),
    (error: unknown) => error as Error & { cause?: Record<string, unknown> },
  );
  const cause = error.cause!;
  return {
    wrapper: error.constructor.name,
    message: error.message,
    causeClass: (cause as object).constructor.name,
    causeMessage: (cause as unknown as Error).message,
    ...Object.fromEntries(['code', 'severity', 'detail', 'constraint', 'table', 'schema', 'position', 'routine'].map((key) => [key, cause[key]])),
  };
}

async function errors(db: Database) {
  await db.insert(tags).values({ id: '7', name: 'Taken' });
  return {
    unique: await errorOf(db.insert(tags).values({ id: '8', name: 'taken' })),
    syntax: await errorOf(db.execute(sql`SELEC 1`)),
    division: await errorOf(db.execute(sql`SELECT 1 / ${0}::int AS x`)),
    inTransaction: await errorOf(db.transaction(async (tx) => tx.insert(tags).values({ id: '9', name: 'TAKEN' }))),
  };
}

describe('the embedded database in a worker thread', () => {
  test('returns the same rows, types and results as PGlite in the main thread', async () => {
    const main = await open('main');
    const worker = await open('worker');
    try {
      const expected = await answers(main.db);
      const actual = await answers(worker.db);
      assert.deepStrictEqual(actual, expected);
      // the shapes the app relies on, so that both drivers changing alike would still be caught
      const row = (actual.raw.rows as Record<string, unknown>[])[0]!;
      assert.equal(typeof row.at, 'string');
      assert.deepEqual(row.doc, { a: [1, { b: null }] });
      assert.ok(row.bytes instanceof Uint8Array);
      assert.deepEqual(row.texts, ['a', "b'c", null]);
      assert.ok(actual.selected[0]!.createdAtIsDate);
      assert.deepEqual(actual.selected[0]!.reviewedAt, new Date('2023-04-05T06:07:08.009Z'));
      assert.deepEqual(actual.setting, [{ value: { list: [1, 'two', { three: 3 }], nested: { ok: true } } }]);
    } finally {
      await main.close();
      await worker.close();
    }
  });

  test('propagates PostgreSQL errors with their code, fields and message', async () => {
    const main = await open('main');
    const worker = await open('worker');
    try {
      const expected = await errors(main.db);
      const actual = await errors(worker.db);
      assert.deepStrictEqual(actual, expected);
      assert.equal(actual.unique.code, '23505');
      assert.equal(actual.unique.constraint, 'index_tags_on_name_lower');
      assert.equal(actual.syntax.code, '42601');
      assert.equal(actual.division.code, '22012');
      assert.equal(actual.inTransaction.code, '23505');
    } finally {
      await main.close();
      await worker.close();
    }
  });

  for (const thread of ['main', 'worker'] as const) {
    test(`a transaction owns the database until it ends; other queries wait (${thread} thread)`, async () => {
      const { db, close } = await open(thread);
      try {
        const events: string[] = [];
        let letCommit!: () => void;
        const commitAllowed = new Promise<void>((resolve) => (letCommit = resolve));
        let inserted!: () => void;
        const insertDone = new Promise<void>((resolve) => (inserted = resolve));
        const transaction = db.transaction(async (tx) => {
          await tx.insert(tags).values({ id: '20', name: 'Inside' });
          inserted();
          await commitAllowed;
          const [row] = await tx.select({ count: sql<number>`count(*)::int` }).from(tags);
          events.push(`transaction sees ${row!.count}`);
        });
        await insertDone;
        const outside = db
          .select({ count: sql<number>`count(*)::int` })
          .from(tags)
          .then(([row]) => events.push(`outside sees ${row!.count}`));
        await new Promise((resolve) => setTimeout(resolve, 100));
        events.push('commit');
        letCommit();
        await Promise.all([transaction, outside]);
        assert.deepEqual(events, ['commit', 'transaction sees 1', 'outside sees 1']);
      } finally {
        await close();
      }
    });

    test(`rollbacks: a thrown error, tx.rollback() and a failed savepoint (${thread} thread)`, async () => {
      const { db, close } = await open(thread);
      try {
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.insert(tags).values({ id: '30', name: 'Thrown' });
            throw new Error('changed my mind');
          }),
          /changed my mind/,
        );
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.insert(tags).values({ id: '31', name: 'RolledBack' });
            tx.rollback();
          }),
          /Rollback/,
        );
        await db.transaction(async (tx) => {
          await tx.insert(tags).values({ id: '32', name: 'Outer' });
          await assert.rejects(
            tx.transaction(async (nested) => {
              await nested.insert(tags).values({ id: '33', name: 'Nested' });
              await nested.insert(tags).values({ id: '34', name: 'outer' });
            }),
            (error: Error & { cause?: { code?: string } }) => error.cause?.code === '23505',
          );
          await tx.transaction(async (nested) => {
            await nested.insert(tags).values({ id: '35', name: 'Kept' });
          });
        });
        const names = (await db.select({ name: tags.name }).from(tags).orderBy(tags.id)).map((row) => row.name);
        assert.deepEqual(names, ['Outer', 'Kept']);
        // the database is usable after each rollback
        assert.deepEqual(((await db.execute(sql`SELECT 1 AS one`)) as unknown as { rows: unknown[] }).rows, [{ one: 1 }]);
      } finally {
        await close();
      }
    });
  }

  test('a long query leaves the main event loop free', async () => {
    const { db, close } = await open('worker');
    try {
      let longestGap = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
      }, 5);
      const started = performance.now();
      await db.execute(sql`SELECT count(*) FROM generate_series(1, 3000000) i WHERE md5(i::text) LIKE '0%'`);
      const took = performance.now() - started;
      clearInterval(ticker);
      assert.ok(took > 1000, `the query should take a while (took ${took} ms)`);
      // in the main thread the loop would wait for the whole query; a busy machine may delay a tick a little
      assert.ok(longestGap < Math.min(500, took / 4), `the event loop stalled ${longestGap} ms during a ${took} ms query`);
    } finally {
      await close();
    }
  });

  test('close ends the thread; a data dir that cannot open fails without leaving one', async () => {
    const before = threadCount();
    const { db, close } = await open('worker');
    assert.ok(threadCount() > before);
    await close();
    assert.equal(threadCount(), before);
    await assert.rejects(db.execute(sql`SELECT 1`), (error: Error) => /closed/.test(String(error.cause)));

    const notADir = join(emptyDir(), 'file');
    writeFileSync(notADir, 'not a database');
    await assert.rejects(openPglite({ dataDir: join(notADir, 'db') }, { thread: 'worker' }));
    assert.equal(threadCount(), before);
  });
});
