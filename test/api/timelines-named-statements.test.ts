import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/index.ts';
import { serverMode, startInstance, type TestInstance } from '../helpers/instance.ts';
import { everyQueueDrained } from '../helpers/queues-drained.ts';

/**
 * Embedded, the timelines' hot queries run as named statements on PGlite's one session
 * (db/pglite-named.ts), and PostgreSQL settles on their generic plans: with the page's LIMIT as a
 * parameter it never did, and planned every execution again (db/prepared.ts, literalLimit).
 * Server mode has its own test (test/db/prepared-statements.test.ts).
 */
describe('the timelines as named statements on PGlite', { skip: serverMode ? 'embedded only: PGlite has one session to look into' : false }, () => {
  let instance: TestInstance;

  before(async () => {
    instance = await startInstance();
  });
  after(async () => {
    await instance?.close();
  });

  test('home and public pages are named statements; the paged ones run generic plans after a few reads', async () => {
    const reader = await instance.createUser('reader');
    const author = await instance.createUser('author');
    assert.equal((await instance.request('POST', `/api/v1/accounts/${author.accountId}/follow`, { token: reader.token })).status, 200);
    for (const status of ['one', 'two', 'three']) assert.equal((await instance.request('POST', '/api/v1/statuses', { token: author.token, form: { status } })).status, 200);
    await everyQueueDrained(instance);
    for (let i = 0; i < 8; i++) {
      const home = await instance.request('GET', '/api/v1/timelines/home', { token: reader.token });
      assert.equal(home.status, 200, home.text);
      assert.equal(home.body.length, 3);
      const shown = await instance.request('GET', '/api/v1/timelines/public', { token: reader.token });
      assert.equal(shown.status, 200, shown.text);
      assert.equal(shown.body.length, 3);
    }
    const kept = await queryRows<{ name: string; generic_plans: number }>(instance.ctx.db, sql`SELECT name, generic_plans::int AS generic_plans FROM pg_prepared_statements ORDER BY name`);
    const plans = (prefix: string) => kept.find((row) => row.name.startsWith(prefix))?.generic_plans ?? -1;
    // the home page's statement is named too; whether its generic plan wins depends on the data
    assert.ok(plans('feed_statuses') >= 0, JSON.stringify(kept));
    for (const prefix of ['feed_page_', 'public_page_']) assert.ok(plans(prefix) >= 1, `${prefix}: ${JSON.stringify(kept)}`);
  });
});
