import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/index.ts';
import { settings } from '../../src/db/schema.ts';
import { prepareTestEnvironment, serverMode, type TestEnvironment } from '../helpers/instance.ts';

/**
 * The driver reports every committed write to a watched table (what invalidates the cached token
 * lookups): at once outside a transaction, at COMMIT inside one, never for a rolled-back one.
 */
for (const thread of serverMode ? ['main'] : ['main', 'worker']) {
  describe(`watched table writes (${serverMode ? 'PostgreSQL' : `PGlite, ${thread} thread`})`, () => {
    let environment: TestEnvironment;
    let database: DatabaseHandle;
    let reported = 0;

    before(async () => {
      environment = await prepareTestEnvironment();
      database = await openDatabase(loadConfig({ SUBSPACE_PGLITE_THREAD: thread, ...environment.env }));
      database.writes.watch(['settings'], async () => {
        reported++;
      });
    });
    after(async () => {
      await database?.close();
      await environment?.cleanup();
    });

    const counted = async (work: () => Promise<unknown>) => {
      const before = reported;
      await work();
      return reported - before;
    };

    test('statements outside a transaction', async () => {
      const db = database.db;
      assert.equal(await counted(() => db.insert(settings).values({ var: 'watched', value: 1 })), 0, 'a plain insert changes no existing row');
      assert.equal(await counted(() => db.select().from(settings)), 0);
      assert.equal(await counted(() => db.update(settings).set({ value: 2 }).where(eq(settings.var, 'watched'))), 1);
      assert.equal(await counted(() => db.execute(sql`UPDATE settings SET value = '3' WHERE var = 'watched'`)), 1);
      assert.equal(
        await counted(() =>
          db
            .insert(settings)
            .values({ var: 'watched', value: 4 })
            .onConflictDoUpdate({ target: settings.var, set: { value: 4 } }),
        ),
        1,
      );
      assert.equal(await counted(() => db.execute(sql`UPDATE settings_other SET x = 1`).catch(() => {})), 0, 'another table, and a failed statement');
    });

    test('inside a transaction: at its commit only, and not at all when rolled back', async () => {
      const db = database.db;
      const committed = await counted(() =>
        db.transaction(async (tx) => {
          const duringTransaction = await counted(() => tx.update(settings).set({ value: 5 }).where(eq(settings.var, 'watched')));
          assert.equal(duringTransaction, 0);
        }),
      );
      assert.equal(committed, 1);
      const rolledBack = await counted(() =>
        db
          .transaction(async (tx) => {
            await tx.delete(settings).where(eq(settings.var, 'watched'));
            throw new Error('rolled back');
          })
          .catch(() => {}),
      );
      assert.equal(rolledBack, 0);
    });
  });
}
