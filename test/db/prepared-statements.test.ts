import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.ts';
import { queryRows } from '../../src/db/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot, type Instance } from '../../src/roles/boot.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { prepareTestEnvironment, request, serverMode, type TestEnvironment } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

/**
 * PREPARED_STATEMENTS: on PostgreSQL reached directly, the hot timeline queries run as named
 * statements, which that connection keeps (pg_prepared_statements); with PREPARED_STATEMENTS=false
 * through DATABASE_URL (PgBouncer in transaction mode in CI's server pass) no statement is named.
 * Both answer the same pages.
 */
const ADMIN_URL = process.env.SUBSPACE_TEST_ADMIN_URL;
const skip = !serverMode ? 'needs PostgreSQL (DATABASE_URL)' : !ADMIN_URL ? 'needs a direct PostgreSQL connection (SUBSPACE_TEST_ADMIN_URL)' : false;

/** The names of the statements this process sends, for as long as it is installed. */
function recordStatementNames(): { names: string[]; restore(): void } {
  const names: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    const name = (config as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name) names.push(name);
    return (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
  } as typeof query;
  return { names, restore: () => (pg.Client.prototype.query = query) };
}

const PAGES = ['/api/v1/timelines/home', '/api/v1/timelines/home?limit=2', '/api/v1/timelines/public', '/api/v1/timelines/public?local=true', '/api/v1/timelines/public?limit=2'];

describe('named prepared statements (PREPARED_STATEMENTS)', { skip }, () => {
  let environment: TestEnvironment;
  let token: string;
  const log = createLogger('silent');

  before(async () => {
    environment = await prepareTestEnvironment();
    // the statuses, a reblog and marks, written by an instance with its workers (fan-out into feeds)
    const writer = await boot(loadConfig({ ...environment.env, PREPARED_STATEMENTS: 'false' }), { web: true, worker: { queues: ['default', 'push', 'ingress'], concurrency: 2 } }, { log });
    try {
      const users = [];
      for (const username of ['reader', 'author', 'stranger']) {
        const { user, account } = await createLocalAccount(writer.ctx, { username, email: `${username}@example.com`, password: 'a long password', confirmed: true });
        users.push({ accountId: account.id, token: (await issueToken(writer.ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write', 'follow'] })).accessToken });
      }
      const [reader, author, stranger] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
      token = reader.token;
      const post = (who: typeof reader, json: unknown) => request(writer.url!, 'POST', '/api/v1/statuses', { token: who.token, json });
      assert.equal((await request(writer.url!, 'POST', `/api/v1/accounts/${author.accountId}/follow`, { token })).status, 200);
      await post(author, { status: 'the first' });
      await post(author, { status: 'a poll', poll: { options: ['yes', 'no'], expires_in: 3600 } });
      await post(author, { status: 'behind a warning', spoiler_text: 'cw' });
      await post(reader, { status: 'my own' });
      const unfollowed = await post(stranger, { status: 'reblogged into the home feed' });
      assert.equal((await request(writer.url!, 'POST', `/api/v1/statuses/${unfollowed.body.id}/reblog`, { token: author.token })).status, 200);
      assert.equal((await request(writer.url!, 'POST', `/api/v1/statuses/${unfollowed.body.id}/favourite`, { token })).status, 200);
      // the poll's expiry waits in the queue for an hour: wait for the fan-out itself
      await until(async () => (await request(writer.url!, 'GET', '/api/v1/timelines/home', { token })).body?.length === 5, "the reader's home feed to fill");
    } finally {
      await writer.close();
    }
  });
  after(async () => {
    await environment?.cleanup();
  });

  /** The pages read by a web process on `databaseUrl`, with one connection, and the statements it named. */
  async function readPages(databaseUrl: string, preparedStatements: string): Promise<{ bodies: unknown[]; sent: string[]; kept: string[] }> {
    const recording = recordStatementNames();
    let reader: Instance | undefined;
    try {
      reader = await boot(loadConfig({ ...environment.env, DATABASE_URL: databaseUrl, PREPARED_STATEMENTS: preparedStatements, DB_POOL: '1' }), { web: true }, { log });
      const bodies = [];
      // twice: the second time the connection has them
      for (let round = 0; round < 2; round++) {
        for (const path of PAGES) {
          const response = await request(reader.url!, 'GET', path, { token });
          assert.equal(response.status, 200, `${path}: ${response.text}`);
          bodies.push(response.body);
        }
      }
      const kept = await queryRows<{ name: string }>(reader.ctx.db, sql`SELECT name FROM pg_prepared_statements ORDER BY name`);
      return { bodies, sent: [...recording.names], kept: kept.map((row) => row.name) };
    } finally {
      recording.restore();
      await reader?.close();
    }
  }

  test('reached directly, the hot queries are named statements the connection keeps; without them, nothing is named; the pages are the same', async () => {
    const direct = new URL(ADMIN_URL!);
    direct.pathname = new URL(environment.env.DATABASE_URL!).pathname;
    const named = await readPages(direct.toString(), 'true');
    assert.ok(named.kept.includes('feed_statuses'), `kept: ${named.kept.join(', ')}`);
    assert.ok(
      named.kept.some((name) => name.startsWith('public_page_')),
      `kept: ${named.kept.join(', ')}`,
    );
    assert.ok(named.sent.includes('feed_statuses'));
    assert.equal(named.bodies.length, PAGES.length * 2);
    // the home page shows the reblog, the poll and the viewer's favourite: what the marks join reads
    const home = named.bodies[0] as { reblog: { favourited: boolean } | null; poll: unknown }[];
    assert.equal(home.length, 5);
    assert.ok(home.some((status) => status.reblog?.favourited === true));
    assert.ok(home.some((status) => status.poll));

    // through DATABASE_URL (PgBouncer in transaction mode in CI's server pass)
    const unnamed = await readPages(environment.env.DATABASE_URL!, 'false');
    assert.deepEqual(unnamed.sent, []);
    assert.deepEqual(unnamed.bodies, named.bodies);
  });
});
