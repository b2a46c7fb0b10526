import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, formFields } from '../helpers/browser.ts';
import { startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';

/**
 * Two Subspace instances on loopback addresses of their own, federating over plain http: a member
 * of one follows `old` on two; `new` on one names `old` as an alias, and `old` moves to `new`
 * through two's settings forms. Two checks the alias by fetching new's actor from one, and sends
 * the Move to one, which checks it and moves alice's follow from old to new.
 */
describe('two instances: an account moves across servers and its followers follow it', () => {
  let one: TestInstance;
  let two: TestInstance;
  let alice: TestUser;
  let fresh: TestUser;
  let old: TestUser;
  before(async () => {
    one = await startOn();
    two = await startOn();
    alice = await one.createUser('alice');
    fresh = await one.createUser('new');
    old = await two.createUser('old');
  });
  after(async () => {
    await one?.close();
    await two?.close();
  });

  async function signIn(instance: TestInstance, user: TestUser): Promise<Browser> {
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in');
    const signedIn = await browser.post('/auth/sign_in', { ...formFields(page.html).fields, 'user[email]': user.email, 'user[password]': user.password });
    assert.equal(signedIn.status, 303, signedIn.html);
    return browser;
  }
  async function submit(browser: Browser, path: string, fields: Record<string, string>) {
    const page = await browser.get(path);
    assert.equal(page.status, 200, page.html);
    const form = formFields(page.html);
    return browser.post(form.action, { ...form.fields, ...fields });
  }
  const oldAcct = () => `old@${two.config.localDomain}`;
  const newAcct = () => `new@${one.config.localDomain}`;
  const onOne = async (path: string) => (await one.request('GET', path, { token: alice.token })).body;

  it('alice@one follows old@two; old moves to new@one, which names old as an alias; alice ends up following new, and old shows as moved', async () => {
    // alice follows old@two
    const found = await one.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${oldAcct()}`)}&resolve=true&type=accounts`, { token: alice.token });
    const oldOnOne = found.body.accounts[0];
    assert.equal(oldOnOne?.acct, oldAcct(), found.text);
    await one.request('POST', `/api/v1/accounts/${oldOnOne.id}/follow`, { token: alice.token });
    await until(async () => (await onOne(`/api/v1/accounts/relationships?id[]=${oldOnOne.id}`))[0].following, 'alice following old');

    // new@one names old@two as an alias: its actor says so
    const newBrowser = await signIn(one, fresh);
    const aliased = await submit(newBrowser, '/settings/aliases', { 'account_alias[acct]': oldAcct() });
    assert.equal(aliased.status, 303, aliased.html);
    const actor = await one.request('GET', '/users/new', { headers: { accept: 'application/activity+json' } });
    assert.deepEqual([actor.body.alsoKnownAs].flat(), [`http://${two.config.localDomain}/users/old`]);

    // old@two moves to new@one (two fetches new's actor from one to check the alias)
    const oldBrowser = await signIn(two, old);
    const moved = await submit(oldBrowser, '/settings/migration', { 'account_migration[acct]': newAcct(), 'account_migration[current_password]': old.password });
    assert.equal(moved.status, 303, moved.html);
    const oldOnTwo = await two.request('GET', `/api/v1/accounts/${old.accountId}`);
    assert.equal(oldOnTwo.body.moved?.acct, newAcct());
    const oldActor = await two.request('GET', '/users/old', { headers: { accept: 'application/activity+json' } });
    assert.equal(oldActor.body.movedTo, `http://${one.config.localDomain}/users/new`);

    // one gets the Move: alice now follows new, and no longer old
    await until(async () => (await onOne(`/api/v1/accounts/relationships?id[]=${fresh.accountId}`))[0].following, 'alice following new on one');
    await until(async () => !(await onOne(`/api/v1/accounts/relationships?id[]=${oldOnOne.id}`))[0].following, 'alice no longer following old');
    const shown = await onOne(`/api/v1/accounts/${oldOnOne.id}`);
    assert.equal(shown.moved?.acct, 'new', 'old@two shows as moved to new');
    const notifications = await onOne('/api/v1/notifications');
    const move = notifications.find((item: { type: string }) => item.type === 'move');
    assert.equal(move?.account.acct, oldAcct(), JSON.stringify(notifications));

    // and on two, alice no longer follows old
    await until(async () => {
      const followers = await two.request('GET', `/api/v1/accounts/${old.accountId}/followers`, { token: old.token });
      return followers.body.length === 0;
    }, 'alice gone from old’s followers on two');
    const newFollowers = await one.request('GET', `/api/v1/accounts/${fresh.accountId}/followers`, { token: fresh.token });
    assert.deepEqual(
      newFollowers.body.map((account: { acct: string }) => account.acct),
      ['alice'],
    );
  });
});
