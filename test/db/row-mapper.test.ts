import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { asc, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../src/db/index.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { preparedVariants } from '../../src/db/prepared.ts';
import { compileRowsMapper } from '../../src/db/row-mapper.ts';
import { tags } from '../../src/db/schema.ts';
import { pgliteTemplate } from '../helpers/instance.ts';

/**
 * The hot queries' rows are mapped by a function compiled for their selection (db/row-mapper.ts):
 * the same objects as drizzle's own mapping, left joins' missing rows as null included.
 */

let dir: string;
let handle: Awaited<ReturnType<typeof openPglite>>;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'subspace-mapper-'));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  handle = await openPglite({ dataDir: dir }, { thread: 'main' });
  await handle.db.insert(tags).values([
    { id: '1', name: 'one', reviewedAt: new Date('2024-02-29T12:34:56.789Z'), maxScore: 1.5 },
    { id: '2', name: 'two', trendable: true },
    { id: '3', name: 'three' },
  ]);
});
after(async () => {
  await handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

const next = alias(tags, 'next');

/** a selection like the timelines': a table, a left-joined alias, and SQL columns with and without decoders, nested too */
const selection = (db: Database) =>
  db
    .select({
      tag: tags,
      next,
      shout: sql<string>`upper(${tags.name})`,
      length: sql`length(${tags.name})`.mapWith(Number),
      extra: { doubled: sql<string>`${tags.name} || ${tags.name}`, reviewedAt: next.reviewedAt },
    })
    .from(tags)
    .leftJoin(next, sql`${next.id} = ${tags.id} + 1`)
    .orderBy(asc(tags.id));

const compiled = preparedVariants('test_mapped', (db) => selection(db));

test('a compiled mapper answers as drizzle maps the same rows, null joins and decoders included', async () => {
  const expected = await selection(handle.db);
  assert.equal(expected.length, 3);
  assert.equal(expected[2]!.next, null);
  assert.ok(expected[0]!.tag.reviewedAt instanceof Date);
  assert.equal(expected[0]!.length, 3);
  const actual = await compiled(handle.db, '').execute();
  assert.deepStrictEqual(actual, expected);
  assert.deepEqual(Object.keys(actual[0]!), Object.keys(expected[0]!));
  assert.deepEqual(Object.keys(actual[0]!.tag), Object.keys(expected[0]!.tag));
});

test('a selection nested deeper than one level is left to drizzle', () => {
  assert.equal(compileRowsMapper([{ path: ['a', 'b', 'c'], field: tags.id }], undefined), undefined);
});
