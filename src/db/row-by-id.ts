import { eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { notFound } from '../lib/errors.ts';
import { isRowId } from '../lib/ids.ts';
import type { Database } from './index.ts';

/** The row of `table` with this id, or Mastodon's 404 `Record not found` (an id that cannot name a row never reaches SQL). */
export async function rowById<T extends PgTable & { id: PgColumn }>(db: Database, table: T, id: string): Promise<T['$inferSelect']> {
  if (!isRowId(id)) throw notFound();
  const [row] = (await db
    .select()
    .from(table as PgTable)
    .where(eq(table.id, id))) as T['$inferSelect'][];
  if (!row) throw notFound();
  return row;
}
