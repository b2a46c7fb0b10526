import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accountMigrations, accounts, followRequests, follows } from '../../src/db/schema.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('Move: accounts moving in and out over ActivityPub', () => {
  let instance: TestInstance;
  /** the server bob moves away from */
  let oldHome: FakeRemote;
  /** the server bob moves to */
  let newHome: FakeRemote;
  let alice: TestUser;
  let carol: TestUser;
  let oldBobId: string;

  before(async () => {
    oldHome = await startFakeRemote();
    newHome = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    carol = await instance.createUser('carol');
    oldBobId = await resolve(oldHome);
  });
  after(async () => {
    await instance.close();
    await oldHome.close();
    await newHome.close();
  });

  async function resolve(remote: FakeRemote): Promise<string> {
    return await resolveRemoteAccount(instance, alice, remote.handle);
  }
  const postMove = async (from: FakeRemote, activity: Record<string, unknown>) => {
    const response = await from.postSigned(instance.url, `${BASE}/inbox`, { '@context': AS, type: 'Move', actor: from.actorId, ...activity });
    assert.equal(response.status, 202, response.text);
  };
  const settled = async () => {
    await until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const account = (id: string) =>
    instance.ctx.db
      .select()
      .from(accounts)
      .where(eq(accounts.id, id))
      .then((rows) => rows[0]!);
  const following = (sourceId: string, targetId: string) =>
    instance.ctx.db
      .select()
      .from(follows)
      .where(and(eq(follows.accountId, sourceId), eq(follows.targetAccountId, targetId)))
      .then((rows) => rows[0]);
  const requested = (sourceId: string, targetId: string) =>
    instance.ctx.db
      .select()
      .from(followRequests)
      .where(and(eq(followRequests.accountId, sourceId), eq(followRequests.targetAccountId, targetId)))
      .then((rows) => rows[0]);
  async function signIn(user: TestUser): Promise<Browser> {
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in');
    const signedIn = await browser.post('/auth/sign_in', { ...formFields(page.html).fields, 'user[email]': user.email, 'user[password]': user.password });
    assert.equal(signedIn.status, 303, signedIn.html);
    return browser;
  }
  async function submit(browser: Browser, path: string, fields: Record<string, string>, formIndex = 0) {
    const page = await browser.get(path);
    assert.equal(page.status, 200, page.html);
    const form = formFields(page.html, formIndex);
    return browser.post(form.action, { ...form.fields, ...fields });
  }
  const actorOf = async (username: string) => (await instance.request('GET', `/users/${username}`, { headers: { accept: 'application/activity+json' } })).body;

  it('ignores a Move whose target does not name the old account among its aliases, or whose object is not the sender', async () => {
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: oldBobId });
    await postMove(oldHome, { id: `${oldHome.actorId}#moves/1`, object: oldHome.actorId, target: newHome.actorId });
    await postMove(oldHome, { id: `${oldHome.actorId}#moves/2`, object: `${oldHome.origin}/users/someone`, target: newHome.actorId });
    await postMove(oldHome, { id: `${oldHome.actorId}#moves/4`, object: oldHome.actorId, target: `${newHome.origin}/users/nobody` });
    await settled();
    await queuesDrained(instance);
    assert.equal((await account(oldBobId)).movedToAccountId, null);
    assert.ok(await following(alice.accountId, oldBobId), 'alice still follows the old account');
  });

  it('moves local followers of a remote account to its new account, which lists the old one in alsoKnownAs', async () => {
    await instance.ctx.db.insert(follows).values({ accountId: carol.accountId, targetAccountId: oldBobId, showReblogs: false, notify: true });
    await newHome.setActor({ aliases: [new URL(oldHome.actorId)] });
    // as Mastodon does, the old actor now names the new one as `movedTo`
    await oldHome.setActor({ successor: new URL(newHome.actorId) });
    await postMove(oldHome, { id: `${oldHome.actorId}#moves/3`, object: oldHome.actorId, target: newHome.actorId });

    const moved = await until(async () => (await account(oldBobId)).movedToAccountId, 'the old account to redirect');
    const newBob = await account(moved!);
    assert.equal(newBob.uri, newHome.actorId);
    const shown = await instance.request('GET', `/api/v1/accounts/${oldBobId}`, { token: alice.token });
    assert.equal(shown.body.moved?.acct, newHome.handle, shown.text);
    assert.equal(shown.body.moved.moved, undefined, 'not nested further');

    // each follower asks to follow the new account (remote: a Follow, requested until accepted) and unfollows the old one
    for (const user of [alice, carol]) {
      await until(() => requested(user.accountId, newBob.id), `${user.username}'s follow request to the new account`);
      await until(async () => !(await following(user.accountId, oldBobId)), `${user.username} no longer following the old account`);
    }
    assert.equal((await requested(carol.accountId, newBob.id))!.showReblogs, false, 'the follow keeps its options');
    assert.equal((await requested(carol.accountId, newBob.id))!.notify, true);
    const follow = await until(async () => newHome.delivered.find((entry) => entry.body.type === 'Follow' && entry.body.actor === `${BASE}/users/alice`), 'the Follow to the new server');
    assert.equal(follow.body.object, newHome.actorId);
    await until(
      async () => oldHome.delivered.find((entry) => entry.body.type === 'Undo' && entry.body.object?.type === 'Follow' && entry.body.actor === `${BASE}/users/alice`),
      'the Undo to the old server',
    );

    const notifications = await until(async () => {
      const response = await instance.request('GET', '/api/v1/notifications', { token: alice.token });
      return response.body.find((item: { type: string }) => item.type === 'move');
    }, 'the move notification');
    assert.equal(notifications.account.acct, oldHome.handle);
    assert.equal(notifications.account.moved.acct, newHome.handle);

    // the new account accepts: alice follows it
    const accept = {
      '@context': AS,
      id: `${newHome.actorId}#accepts/1`,
      type: 'Accept',
      actor: newHome.actorId,
      object: { id: follow.body.id, type: 'Follow', actor: `${BASE}/users/alice`, object: newHome.actorId },
    };
    assert.equal((await newHome.postSigned(instance.url, `${BASE}/users/alice/inbox`, accept)).status, 202);
    await until(() => following(alice.accountId, newBob.id), 'alice following the new account');
  });

  it('lets a member name aliases through the settings form; the actor shows them as alsoKnownAs', async () => {
    const dave = await instance.createUser('dave');
    const browser = await signIn(dave);
    const added = await submit(browser, '/settings/aliases', { 'account_alias[acct]': oldHome.handle });
    assert.equal(added.status, 303, added.html);
    assert.deepEqual((await actorOf('dave')).alsoKnownAs, oldHome.actorId);
    const page = await browser.get('/settings/aliases');
    assert.ok(page.html.includes(oldHome.handle), page.html);

    for (const [acct, message] of [
      ['nobody@nowhere.invalid', 'Handle could not be found'],
      ['dave', 'Handle cannot be current account'],
      [oldHome.handle, 'Handle has already been taken'],
    ] as const) {
      const refused = await submit(browser, '/settings/aliases', { 'account_alias[acct]': acct });
      assert.equal(refused.status, 422, acct);
      assert.ok(refused.html.includes(message), `${acct}: ${refused.html}`);
    }
    assert.deepEqual((await account(dave.accountId)).alsoKnownAs, [oldHome.actorId]);

    // unlinking it (the second form on the page is the alias's)
    const removed = await submit(browser, '/settings/aliases', {}, 1);
    assert.equal(removed.status, 303, removed.html);
    assert.deepEqual((await account(dave.accountId)).alsoKnownAs, []);
    assert.equal((await actorOf('dave')).alsoKnownAs, undefined);

    // without a session the page sends to the sign-in form; without the CSRF token, nothing changes
    const anonymous = await new Browser(instance.url).get('/settings/aliases');
    assert.equal(anonymous.status, 302);
    assert.equal(anonymous.location, '/auth/sign_in?return_to=%2Fsettings%2Faliases');
    const forged = await browser.post('/settings/aliases', { 'account_alias[acct]': oldHome.handle });
    assert.equal(forged.status, 422);
    assert.deepEqual((await account(dave.accountId)).alsoKnownAs, []);
  });

  it('moves a member to an account elsewhere: password checked, Move sent to followers’ servers, actor shows movedTo, local followers follow the new account', async () => {
    const erin = await instance.createUser('erin');
    const frank = await instance.createUser('frank');
    // frank follows erin here, the old bob follows her from his server
    await instance.request('POST', `/api/v1/accounts/${erin.accountId}/follow`, { token: frank.token });
    const bobFollows = { '@context': AS, id: `${oldHome.actorId}#follows/erin`, type: 'Follow', actor: oldHome.actorId, object: `${BASE}/users/erin` };
    assert.equal((await oldHome.postSigned(instance.url, `${BASE}/users/erin/inbox`, bobFollows)).status, 202);
    await until(() => following(oldBobId, erin.accountId), 'the old bob following erin');
    const browser = await signIn(erin);

    const wrongPassword = await submit(browser, '/settings/migration', { 'account_migration[acct]': newHome.handle, 'account_migration[current_password]': 'not it' });
    assert.equal(wrongPassword.status, 422);
    assert.ok(wrongPassword.html.includes('Current password is invalid'), wrongPassword.html);
    const notAlias = await submit(browser, '/settings/migration', { 'account_migration[acct]': newHome.handle, 'account_migration[current_password]': erin.password });
    assert.equal(notAlias.status, 422);
    assert.ok(notAlias.html.includes('Handle is not an alias of this account'), notAlias.html);
    const unknown = await submit(browser, '/settings/migration', { 'account_migration[acct]': 'ghost@nowhere.invalid', 'account_migration[current_password]': erin.password });
    assert.equal(unknown.status, 422);
    assert.ok(unknown.html.includes('Handle could not be found'), unknown.html);
    assert.equal((await account(erin.accountId)).movedToAccountId, null);

    // the new account names erin as an alias (fetched again when she moves)
    await newHome.setActor({ aliases: [new URL(oldHome.actorId), new URL(`${BASE}/users/erin`)] });
    const before = oldHome.delivered.length;
    const moved = await submit(browser, '/settings/migration', { 'account_migration[acct]': newHome.handle, 'account_migration[current_password]': erin.password });
    assert.equal(moved.status, 303, moved.html);
    assert.equal(moved.location, '/settings/migration');
    const newBobId = (await instance.ctx.db.select().from(accounts).where(eq(accounts.uri, newHome.actorId)))[0]!.id;
    assert.equal((await account(erin.accountId)).movedToAccountId, newBobId);

    const shown = await instance.request('GET', `/api/v1/accounts/${erin.accountId}`, { token: frank.token });
    assert.equal(shown.body.moved?.acct, newHome.handle);
    assert.equal((await actorOf('erin')).movedTo, newHome.actorId);
    const [migration] = await instance.ctx.db.select().from(accountMigrations).where(eq(accountMigrations.accountId, erin.accountId));
    assert.equal(migration!.targetAccountId, newBobId);
    assert.equal(migration!.acct, newHome.handle);
    assert.equal(migration!.followersCount, 2);

    const move = await until(async () => oldHome.delivered.slice(before).find((entry) => entry.body.type === 'Move'), 'the Move at the follower’s server');
    assert.equal(move.path, '/inbox');
    assert.deepEqual(
      { id: move.body.id, actor: move.body.actor, object: move.body.object, target: move.body.target },
      {
        id: `${BASE}/users/erin#moves/${migration!.id}`,
        actor: `${BASE}/users/erin`,
        object: `${BASE}/users/erin`,
        target: newHome.actorId,
      },
    );
    await until(async () => oldHome.delivered.slice(before).find((entry) => entry.body.type === 'Update' && entry.body.object?.movedTo === newHome.actorId), 'the actor Update with movedTo');

    // frank, a local follower, now asks to follow the new account and no longer follows erin
    await until(() => requested(frank.accountId, newBobId), 'frank’s follow request to the new account');
    await until(async () => !(await following(frank.accountId, erin.accountId)), 'frank no longer following erin');

    // within 30 days, no second move
    const again = await submit(browser, '/settings/migration', { 'account_migration[acct]': newHome.handle, 'account_migration[current_password]': erin.password });
    assert.equal(again.status, 422);
    assert.ok(again.html.includes('You are on cooldown'), again.html);

    // cancelling the redirect
    const cancelled = await submit(browser, '/settings/migration', {}, 1);
    assert.equal(cancelled.status, 303, cancelled.html);
    assert.equal((await account(erin.accountId)).movedToAccountId, null);
  });

  it('rewrites the follows in place when a member moves to another account here', async () => {
    const gina = await instance.createUser('gina');
    const hank = await instance.createUser('hank');
    const ivan = await instance.createUser('ivan');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: hank.token, json: { locked: true } });
    await instance.request('POST', `/api/v1/accounts/${gina.accountId}/follow`, { token: ivan.token });
    assert.ok(await following(ivan.accountId, gina.accountId));
    const hankBrowser = await signIn(hank);
    assert.equal((await submit(hankBrowser, '/settings/aliases', { 'account_alias[acct]': 'gina' })).status, 303);
    const ginaBrowser = await signIn(gina);
    const moved = await submit(ginaBrowser, '/settings/migration', { 'account_migration[acct]': 'hank', 'account_migration[current_password]': gina.password });
    assert.equal(moved.status, 303, moved.html);
    await until(() => following(ivan.accountId, hank.accountId), 'ivan following hank (locked, but a moved follow needs no approval)');
    assert.equal(await following(ivan.accountId, gina.accountId), undefined);
    const counts = await instance.request('GET', `/api/v1/accounts/${hank.accountId}`, { token: ivan.token });
    assert.equal(counts.body.followers_count, 1);
    const notifications = await instance.request('GET', '/api/v1/notifications', { token: ivan.token });
    assert.ok(
      notifications.body.some((item: { type: string; account: { acct: string } }) => item.type === 'move' && item.account.acct === 'gina'),
      notifications.text,
    );
  });
});
