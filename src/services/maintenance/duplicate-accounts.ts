import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';

/*
 * tootctl maintenance fix-duplicates, for what Subspace's indexes leave possible: remote accounts
 * stored twice under one actor URI (a handle renamed between two fetches). The most recently fetched
 * row is kept; the others' relations move to it (a relation it already has is dropped, not doubled)
 * and they are deleted.
 */

/** Columns naming an account, and the columns that make a row unique with them (moved rows must not collide). */
const REFERENCES: { table: string; column: string; uniqueWith?: string[] }[] = [
  { table: 'follows', column: 'account_id', uniqueWith: ['target_account_id'] },
  { table: 'follows', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'follow_requests', column: 'account_id', uniqueWith: ['target_account_id'] },
  { table: 'follow_requests', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'blocks', column: 'account_id', uniqueWith: ['target_account_id'] },
  { table: 'blocks', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'mutes', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'account_notes', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'account_pins', column: 'target_account_id', uniqueWith: ['account_id'] },
  { table: 'list_accounts', column: 'account_id', uniqueWith: ['list_id'] },
  { table: 'mentions', column: 'account_id', uniqueWith: ['status_id'] },
  { table: 'favourites', column: 'account_id', uniqueWith: ['status_id'] },
  { table: 'statuses', column: 'account_id' },
  { table: 'statuses', column: 'in_reply_to_account_id' },
  { table: 'reports', column: 'target_account_id' },
];

export interface DuplicateGroup {
  uri: string;
  keep: string;
  duplicates: string[];
}

/** Every URI more than one remote account row has, with the row to keep (fetched last) first. */
export async function duplicateRemoteAccounts(ctx: AppContext): Promise<DuplicateGroup[]> {
  const rows = await queryRows<{ uri: string; ids: (string | number)[] }>(
    ctx.db,
    sql`SELECT uri, array_agg(id ORDER BY fetched_at DESC NULLS LAST, updated_at DESC, id DESC) AS ids
          FROM accounts WHERE domain IS NOT NULL GROUP BY uri HAVING count(*) > 1 ORDER BY uri`,
  );
  return rows.map((row) => {
    const [keep, ...duplicates] = row.ids.map(String);
    return { uri: row.uri, keep: keep!, duplicates };
  });
}

/** Moves the duplicates' relations to the kept row and deletes them, in one transaction. */
export async function mergeDuplicateAccounts(ctx: AppContext, group: DuplicateGroup): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    for (const duplicate of group.duplicates) {
      for (const { table, column, uniqueWith } of REFERENCES) {
        const name = sql.identifier(table);
        const col = sql.identifier(column);
        if (uniqueWith) {
          const same = sql.join(
            uniqueWith.map((other) => sql`k.${sql.identifier(other)} = t.${sql.identifier(other)}`),
            sql` AND `,
          );
          await tx.execute(sql`DELETE FROM ${name} t WHERE t.${col} = ${duplicate} AND EXISTS (SELECT 1 FROM ${name} k WHERE k.${col} = ${group.keep} AND ${same})`);
        }
        await tx.execute(sql`UPDATE ${name} SET ${col} = ${group.keep} WHERE ${col} = ${duplicate}`);
      }
      await tx.execute(sql`DELETE FROM accounts WHERE id = ${duplicate} AND domain IS NOT NULL`);
    }
  });
}
