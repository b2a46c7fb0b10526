import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { homeFeed } from '../../src/backends/feeds/index.ts';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { accounts, statuses } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

/** `subspace cache clear|recount` and `subspace feeds build|clear`, as tootctl's. */
describe('subspace cache and feeds', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let statusId: string;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    assert.equal((await instance.request('POST', `/api/v1/accounts/${bob.accountId}/follow`, { token: alice.token })).status, 200);
    const posted = await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'hello followers' } });
    statusId = posted.body.id;
    await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'a second one' } });
    assert.equal((await instance.request('POST', `/api/v1/statuses/${statusId}/favourite`, { token: alice.token })).status, 200);
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'a reply', in_reply_to_id: statusId } });
    await queuesDrained(instance);
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, argv);

  it('answers --help for each sub-command, and refuses bad arguments', async () => {
    for (const argv of [
      ['cache', 'clear'],
      ['cache', 'recount'],
      ['feeds', 'build'],
      ['feeds', 'clear'],
    ]) {
      const help = await run(...argv, '--help');
      assert.equal(help.exitCode, 0);
      assert.match(help.stdout, new RegExp(`^Usage:\\n  subspace ${argv.join(' ')}`));
    }
    assert.equal((await run('cache', 'recount', 'tags')).exitCode, 2);
    assert.equal((await run('cache', 'flush')).exitCode, 2);
    assert.equal((await run('feeds', 'build')).exitCode, 2);
  });

  it('cache clear empties the cache', async () => {
    await instance.ctx.cache.set('maintenance-test', 'kept?');
    const cleared = await run('cache', 'clear');
    assert.equal(cleared.exitCode, 0, cleared.stderr);
    assert.match(cleared.stdout, /^OK, removed \d+ cache entr(y|ies)\n$/);
    assert.equal(await instance.ctx.cache.get('maintenance-test'), null);
  });

  it('cache recount puts right the counters of local accounts and statuses', async () => {
    await instance.ctx.db.update(accounts).set({ statusesCount: 99, followersCount: 7, followingCount: 3 }).where(eq(accounts.id, bob.accountId));
    await instance.ctx.db.update(statuses).set({ favouritesCount: 5, repliesCount: 0, reblogsCount: 2 }).where(eq(statuses.id, statusId));
    const accountsRun = await run('cache', 'recount', 'accounts');
    assert.equal(accountsRun.exitCode, 0, accountsRun.stderr);
    assert.match(accountsRun.stdout, /^OK, recounted 2 accounts\n$/);
    const account = (await instance.request('GET', `/api/v1/accounts/${bob.accountId}`)).body;
    assert.deepEqual([account.statuses_count, account.followers_count, account.following_count], [2, 1, 0]);
    const statusesRun = await run('cache', 'recount', 'statuses');
    assert.equal(statusesRun.exitCode, 0, statusesRun.stderr);
    const status = (await instance.request('GET', `/api/v1/statuses/${statusId}`, { token: alice.token })).body;
    assert.deepEqual([status.favourites_count, status.replies_count, status.reblogs_count], [1, 1, 0]);
  });

  it('feeds clear drops the feeds; feeds build makes them again from the database', async () => {
    const feed = homeFeed(alice.accountId);
    assert.ok((await instance.ctx.feeds.ids(feed)).includes(statusId));
    const cleared = await run('feeds', 'clear');
    assert.equal(cleared.exitCode, 0, cleared.stderr);
    assert.equal(cleared.stdout, 'OK, cleared the feeds of 2 accounts\n');
    assert.equal(await instance.ctx.feeds.exists(feed), false);

    const one = await run('feeds', 'build', 'alice');
    assert.equal(one.exitCode, 0, one.stderr);
    assert.ok((await instance.ctx.feeds.ids(feed)).includes(statusId));
    await run('feeds', 'clear');
    const all = await run('feeds', 'build', '--all');
    assert.equal(all.stdout, 'OK, built the feeds of 2 accounts\n');
    assert.ok((await instance.ctx.feeds.ids(feed)).includes(statusId));
    const home = await instance.request('GET', '/api/v1/timelines/home', { token: alice.token });
    assert.equal(home.status, 200);
    assert.ok(home.body.some((entry: { id: string }) => entry.id === statusId));
    assert.equal((await run('feeds', 'build', 'nobody')).exitCode, 1);
  });
});
