/**
 * The plans of bench/search.ts's statuses queries on its database (left seeded in DATABASE_URL):
 * `EXPLAIN (ANALYZE)` of the statement a search runs, for a searcher `sv1`.
 *
 *   DATABASE_URL=postgres://…/bench_db node bench/search-explain.ts 'w100 w200' 'w0 in:library'
 */
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase, queryRows } from '../src/db/index.ts';
import type { AppContext } from '../src/context.ts';
import { parseSearchQuery } from '../src/services/search/parse-query.ts';
import { statusSearchStatement } from '../src/services/search/statuses.ts';

const config = loadConfig({ ...process.env, LOCAL_DOMAIN: 'bench.test', SECRET_KEY_BASE: 'x'.repeat(128) });
const database = await openDatabase(config);
try {
  const ctx = { db: database.db, config } as unknown as AppContext;
  const [viewer] = await queryRows<{ id: string }>(database.db, sql`SELECT id::text AS id FROM accounts WHERE username = 'sv1'`);
  for (const q of process.argv.slice(2)) {
    const statement = statusSearchStatement(ctx, viewer!.id, parseSearchQuery(q), { limit: 20, offset: 0, language: 'en' }).toSQL();
    await ((database.db as unknown as { $client: unknown }).$client as { query(text: string): Promise<unknown> }).query('SET jit = off');
    const plan = await ((database.db as unknown as { $client: unknown }).$client as { query(text: string, params: unknown[]): Promise<{ rows: Record<string, string>[] }> }).query(
      `${process.env.PLAIN ? '' : 'EXPLAIN (ANALYZE, COSTS OFF) '}${statement.sql}`,
      statement.params,
    );
    const t0 = performance.now();
    await ((database.db as unknown as { $client: unknown }).$client as { query(text: string, params: unknown[]): Promise<unknown> }).query(statement.sql, statement.params);
    console.log(`run again: ${(performance.now() - t0).toFixed(1)} ms`);
    console.log(`\n== ${q}\n${plan.rows.map((row) => Object.values(row)[0]).join('\n')}`);
  }
} finally {
  await database.close();
}
