import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from 'masto';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { waitFor } from '../helpers/process.ts';

const REDIRECT = 'https://elk.example/signin/callback';

/**
 * The way Elk (built on masto.js) uses an instance: register an app, send the member through the
 * OAuth page, then post, reply, boost, favourite, follow and read timelines with pagination.
 */
describe('a real Mastodon client library (masto.js) against Subspace', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(() => instance.close());

  /** Signs `user` in through the HTML pages and returns an access token, as a browser-based client would. */
  async function signInThroughOAuthPage(user: TestUser): Promise<string> {
    const anonymous = createRestAPIClient({ url: instance.url });
    const app = await anonymous.v1.apps.create({ clientName: 'Elk', redirectUris: REDIRECT, scopes: 'read write follow push', website: 'https://elk.zone' });
    assert.ok(app.clientId && app.clientSecret);

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const browser = new Browser(instance.url);
    const authorize = `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT, scope: 'read write follow push', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    const signIn = formFields((await browser.get(authorize)).html);
    const signedIn = await browser.post(signIn.action, { ...signIn.fields, 'user[email]': user.email, 'user[password]': user.password });
    const consent = formFields((await browser.get(signedIn.location!)).html);
    const code = new URL((await browser.post(consent.action, consent.fields)).location!).searchParams.get('code')!;

    const oauth = createOAuthAPIClient({ url: instance.url });
    const token = await oauth.token.create({ grantType: 'authorization_code', clientId: app.clientId, clientSecret: app.clientSecret!, redirectUri: REDIRECT, code, codeVerifier: verifier } as never);
    return token.accessToken;
  }

  it('signs in, posts, replies, boosts, favourites, follows and pages through home, notifications and lists', async () => {
    const aliceClient = createRestAPIClient({ url: instance.url, accessToken: await signInThroughOAuthPage(alice) });
    const bobClient = createRestAPIClient({ url: instance.url, accessToken: await signInThroughOAuthPage(bob) });

    const me = await aliceClient.v1.accounts.verifyCredentials();
    assert.equal(me.username, 'alice');
    const instanceInfo = await aliceClient.v2.instance.fetch();
    assert.equal(instanceInfo.domain, 'subspace.test');

    const relationship = await bobClient.v1.accounts.$select(alice.accountId).follow();
    assert.equal(relationship.following, true);

    const posts: mastodon.v1.Status[] = [];
    for (let i = 1; i <= 5; i++) posts.push(await aliceClient.v1.statuses.create({ status: `Post number ${i} #subspace`, visibility: 'public' }));
    const reply = await bobClient.v1.statuses.create({ status: `@alice nice one`, inReplyToId: posts[0]!.id });
    assert.equal(reply.inReplyToId, posts[0]!.id);
    const boosted = await bobClient.v1.statuses.$select(posts[1]!.id).reblog();
    assert.equal(boosted.reblog?.id, posts[1]!.id);
    const favourited = await bobClient.v1.statuses.$select(posts[2]!.id).favourite();
    assert.equal(favourited.favourited, true);
    assert.equal(favourited.favouritesCount, 1);

    // Bob's home timeline holds Alice's five posts (fan-out runs in the background), newest first, two per page.
    await waitFor('alice’s posts in bob’s home', async () => {
      const home = await bobClient.v1.timelines.home.list({ limit: 40 });
      return posts.every((post) => home.some((status) => status.id === post.id || status.reblog?.id === post.id)) || undefined;
    });
    const seen: string[] = [];
    for await (const page of bobClient.v1.timelines.home.list({ limit: 2 })) {
      assert.ok(page.length <= 2);
      seen.push(...page.map((status) => status.id));
      if (seen.length > 20) break;
    }
    assert.equal(new Set(seen).size, seen.length, 'pages do not overlap');
    const ids = seen.map(BigInt);
    assert.deepEqual(
      [...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
      ids,
      'newest first across pages',
    );
    for (const post of posts) assert.ok(seen.includes(post.id));

    // Alice hears about the follow, the mention, the boost and the favourite.
    const notifications = await waitFor('alice’s notifications', async () => {
      const list = await aliceClient.v1.notifications.list({ limit: 30 });
      const types = new Set(list.map((n) => n.type));
      return ['follow', 'mention', 'reblog', 'favourite'].every((type) => types.has(type as never)) ? list : undefined;
    });
    assert.ok(notifications.every((notification) => notification.account.username === 'bob'));

    // Lists: Bob puts Alice in a list and reads its timeline.
    const list = await bobClient.v1.lists.create({ title: 'Friends' });
    await bobClient.v1.lists.$select(list.id).accounts.create({ accountIds: [alice.accountId] });
    const members = await bobClient.v1.lists.$select(list.id).accounts.list();
    assert.deepEqual(
      members.map((account) => account.username),
      ['alice'],
    );
    const latest = await aliceClient.v1.statuses.create({ status: 'For the list' });
    await waitFor('the post in bob’s list', async () => {
      const timeline = await bobClient.v1.timelines.list.$select(list.id).list();
      return timeline.some((status) => status.id === latest.id) || undefined;
    });

    const context = await aliceClient.v1.statuses.$select(posts[0]!.id).context.fetch();
    assert.deepEqual(
      context.descendants.map((status) => status.id),
      [reply.id],
    );
  });
});
