import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/index.ts';
import { preparedVariants } from '../../src/db/prepared.ts';
import { tags } from '../../src/db/schema.ts';
import { pgliteCopies } from '../helpers/pglite-copies.ts';

/**
 * The hot queries (db/prepared.ts) on PGlite run as named prepared statements (db/pglite-named.ts):
 * parsed once, then planned generically by PostgreSQL, with the same answers as any query, under
 * PGlite's locks (never inside another caller's open transaction), and with PostgreSQL's errors.
 */

const { open } = pgliteCopies('named');

const tagById = preparedVariants('test_tag_by_id', (db) =>
  db
    .select({ id: tags.id, name: tags.name, reviewedAt: tags.reviewedAt, maxScore: tags.maxScore, shout: sql<string>`upper(${tags.name}) || ${sql.placeholder('suffix')}` })
    .from(tags)
    .where(sql`${tags.id} = ${sql.placeholder('id')}`),
);

const divided = preparedVariants('test_divided', (db) =>
  db
    .select({ quotient: sql<number>`10 / ${sql.placeholder('by')}::int` })
    .from(tags)
    .limit(1),
);

interface PreparedRow {
  name: string;
  generic_plans: number;
}

for (const thread of ['main', 'worker'] as const) {
  describe(`named statements on PGlite (${thread} thread)`, () => {
    test('answer as the same query unnamed does, parsed once and planned generically', async () => {
      const { db, close } = await open(thread);
      try {
        await db.insert(tags).values([
          { id: '1', name: 'one', reviewedAt: new Date('2024-02-29T12:34:56.789Z'), maxScore: 1.5 },
          { id: '2', name: 'two' },
          { id: '3', name: 'three' },
        ]);
        const expected = await db
          .select({ id: tags.id, name: tags.name, reviewedAt: tags.reviewedAt, maxScore: tags.maxScore, shout: sql<string>`upper(${tags.name}) || ${'!'}` })
          .from(tags)
          .where(eq(tags.id, '1'));
        assert.equal(expected.length, 1);
        for (let i = 0; i < 8; i++) assert.deepStrictEqual(await tagById(db, '').execute({ id: '1', suffix: '!' }), expected);
        assert.deepStrictEqual(await tagById(db, '').execute({ id: '2', suffix: '?' }), [{ id: '2', name: 'two', reviewedAt: null, maxScore: null, shout: 'TWO?' }]);
        assert.ok(expected[0]!.reviewedAt instanceof Date);
        const kept = await queryRows<PreparedRow>(db, sql`SELECT name, generic_plans::int AS generic_plans FROM pg_prepared_statements`);
        assert.deepEqual(
          kept.map((row) => row.name),
          ['test_tag_by_id'],
        );
        assert.ok(kept[0]!.generic_plans >= 1, `generic plans: ${kept[0]!.generic_plans}`);
      } finally {
        await close();
      }
    });

    test('waits for an open transaction instead of running inside it', async () => {
      const { db, close } = await open(thread);
      try {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inserted!: () => void;
        const insertedOnce = new Promise<void>((resolve) => (inserted = resolve));
        const rolledBack = db
          .transaction(async (tx) => {
            await tx.insert(tags).values({ id: '5', name: 'never' });
            inserted();
            await held;
            tx.rollback();
          })
          .catch(() => 'rolled back');
        await insertedOnce;
        // run inside the transaction, the read would see the row the transaction then rolls back
        // (on the main thread, it would have run by the next turn of the event loop)
        const read = tagById(db, '').execute({ id: '5', suffix: '' });
        await new Promise((resolve) => setImmediate(resolve));
        release();
        assert.equal(await rolledBack, 'rolled back');
        assert.deepEqual(await read, []);
      } finally {
        await close();
      }
    });

    test("passes PostgreSQL's errors on, and the statement still runs afterwards", async () => {
      const { db, close } = await open(thread);
      try {
        await db.insert(tags).values({ id: '1', name: 'one' });
        const error = await divided(db, '')
          .execute({ by: 0 })
          .then(
            () => assert.fail('expected a division by zero'),
            (error: unknown) => error as Error & { cause?: { code?: string } },
          );
        assert.equal(error.cause?.code ?? (error as { code?: string }).code, '22012');
        assert.deepEqual(await divided(db, '').execute({ by: 5 }), [{ quotient: 2 }]);
        assert.deepEqual(await queryRows(db, sql`SELECT 1 AS ok`), [{ ok: 1 }]);
      } finally {
        await close();
      }
    });
  });
}
