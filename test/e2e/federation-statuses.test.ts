import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { accounts } from '../../src/db/schema.ts';
import { hasPortInDomain, startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';

/**
 * Statuses between two Subspace instances on loopback under two host names (see federation.test.ts):
 * what one's member does to a status is seen on the other through its Mastodon API. Mentions need
 * the instances on port 80 (a handle whose domain has a port cannot be written in a post, as in
 * Mastodon); where that port cannot be had, those tests are skipped.
 */

describe('two instances: statuses across servers through the Mastodon API', () => {
  let one: TestInstance;
  let two: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let bobOnOne: string;

  before(async () => {
    one = await startOn();
    two = await startOn();
    alice = await one.createUser('alice');
    bob = await two.createUser('bob');
    carol = await two.createUser('carol');
    const acct = `bob@${two.config.localDomain}`;
    const found = await one.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${acct}`)}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(found.body.accounts[0]?.acct, acct, found.text);
    bobOnOne = found.body.accounts[0].id;
    const followed = await one.request('POST', `/api/v1/accounts/${found.body.accounts[0].id}/follow`, { token: alice.token });
    assert.equal(followed.status, 200, followed.text);
    await until(async () => (await one.request('GET', `/api/v1/accounts/relationships?id[]=${found.body.accounts[0].id}`, { token: alice.token })).body[0]?.following, 'alice following bob');
  });
  after(async () => {
    await one?.close();
    await two?.close();
  });

  const call = async (instance: TestInstance, user: TestUser, method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };
  /** A status of two's as alice sees it on one, found in her home timeline by its URI. */
  // alice's home may answer 206 from the database while its feed is first built (Mastodon's regeneration)
  const onOne = (uri: string) =>
    until(async () => {
      const home = await one.request('GET', '/api/v1/timelines/home', { token: alice.token });
      assert.ok(home.status === 200 || home.status === 206, `GET /api/v1/timelines/home: ${home.status} ${home.text}`);
      return (home.body as { uri: string; id: string }[]).find((status) => status.uri === uri);
    }, `${uri} in alice's home on one`);

  it('bob’s public and followers-only posts reach alice’s home on one, as two shows them', async () => {
    const posted = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'Hello from two #subspace', language: 'en', spoiler_text: 'greetings' });
    const seen: any = await onOne(posted.uri);
    assert.equal(seen.account.acct, `bob@${two.config.localDomain}`);
    for (const field of ['spoiler_text', 'sensitive', 'visibility', 'language', 'url', 'created_at']) assert.deepEqual(seen[field], posted[field], field);
    // remote HTML as Mastodon shows it: links get its own rel and open in a new tab
    assert.equal(seen.content, posted.content.replace('rel="tag"', 'rel="nofollow noopener" target="_blank"'));
    assert.deepEqual(
      seen.tags.map((tag: { name: string }) => tag.name),
      ['subspace'],
    );

    const followersOnly = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'only for followers', visibility: 'private' });
    const hidden: any = await onOne(followersOnly.uri);
    assert.equal(hidden.visibility, 'private');
    assert.equal((await one.request('GET', `/api/v1/statuses/${hidden.id}`)).status, 404, 'not shown to the public on one');
  });

  it('alice’s reply, favourite and boost on one are counted on two; unboosting takes the boost back', async () => {
    const posted = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'interact with me' });
    const seen: any = await onOne(posted.uri);
    const reply = await call(one, alice, 'POST', '/api/v1/statuses', { status: 'a reply from one', in_reply_to_id: seen.id });
    await call(one, alice, 'POST', `/api/v1/statuses/${seen.id}/favourite`);
    await call(one, alice, 'POST', `/api/v1/statuses/${seen.id}/reblog`);
    const counted = await until(async () => {
      const status = await call(two, bob, 'GET', `/api/v1/statuses/${posted.id}`);
      return status.replies_count === 1 && status.favourites_count === 1 && status.reblogs_count === 1 ? status : undefined;
    }, 'the reply, favourite and boost counted on two');
    assert.ok(counted);
    const context = await call(two, bob, 'GET', `/api/v1/statuses/${posted.id}/context`);
    assert.deepEqual(
      context.descendants.map((status: { uri: string; content: string }) => [status.uri, status.content]),
      [[reply.uri, reply.content]],
    );
    const notifications = (await call(two, bob, 'GET', '/api/v1/notifications')) as { type: string; account: { acct: string } }[];
    const aliceAcct = `alice@${one.config.localDomain}`;
    assert.deepEqual(
      notifications
        .filter((item) => item.type === 'favourite' || item.type === 'reblog')
        .map((item) => [item.type, item.account.acct])
        .sort(),
      [
        ['favourite', aliceAcct],
        ['reblog', aliceAcct],
      ],
    );

    await call(one, alice, 'POST', `/api/v1/statuses/${seen.id}/unreblog`);
    await call(one, alice, 'POST', `/api/v1/statuses/${seen.id}/unfavourite`);
    await until(async () => {
      const status = await call(two, bob, 'GET', `/api/v1/statuses/${posted.id}`);
      return status.reblogs_count === 0 && status.favourites_count === 0;
    }, 'the boost and favourite taken back on two');
  });

  it('bob’s edit shows on one with its history; his deletion removes the post there', async () => {
    const posted = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'first draft' });
    const seen: any = await onOne(posted.uri);
    await call(two, bob, 'PUT', `/api/v1/statuses/${posted.id}`, { status: 'second draft' });
    const edited = await until(async () => {
      const status = await call(one, alice, 'GET', `/api/v1/statuses/${seen.id}`);
      return status.edited_at ? status : undefined;
    }, 'the edit on one');
    assert.equal(edited.content, '<p>second draft</p>');
    const history = await call(one, alice, 'GET', `/api/v1/statuses/${seen.id}/history`);
    assert.deepEqual(
      history.map((entry: { content: string }) => entry.content),
      ['<p>first draft</p>', '<p>second draft</p>'],
    );

    await call(two, bob, 'DELETE', `/api/v1/statuses/${posted.id}`);
    await until(async () => (await one.request('GET', `/api/v1/statuses/${seen.id}`, { token: alice.token })).status === 404, 'the post gone on one');
  });

  it('bob’s poll reaches one, and alice’s vote there is counted on two', async () => {
    const posted = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'which?', poll: { options: ['this', 'that'], expires_in: 3600, multiple: true } });
    const seen: any = await onOne(posted.uri);
    assert.deepEqual(
      seen.poll.options.map((option: { title: string }) => option.title),
      ['this', 'that'],
    );
    assert.equal(seen.poll.multiple, true);
    await call(one, alice, 'POST', `/api/v1/polls/${seen.poll.id}/votes`, { choices: ['0', '1'] });
    const counted = await until(async () => {
      const status = await call(two, bob, 'GET', `/api/v1/statuses/${posted.id}`);
      return status.poll.votes_count === 2 ? status.poll : undefined;
    }, 'the votes counted on two');
    assert.equal(counted.voters_count, 1);
    assert.deepEqual(
      counted.options.map((option: { votes_count: number }) => option.votes_count),
      [1, 1],
    );
  });
  /** Alice's account on two, as two resolves her handle. */
  const aliceOnTwo = async () => {
    const acct = `alice@${one.config.localDomain}`;
    const found = await two.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${acct}`)}&resolve=true&type=accounts`, { token: bob.token });
    assert.equal(found.body.accounts[0]?.acct, acct, found.text);
    return found.body.accounts[0] as { id: string; acct: string };
  };
  const notificationOf = (instance: TestInstance, user: TestUser, type: string, uri: string) =>
    until(async () => {
      const notifications = (await call(instance, user, 'GET', '/api/v1/notifications')) as { type: string; status?: { uri: string } }[];
      return notifications.find((item) => item.type === type && item.status?.uri === uri);
    }, `a ${type} notification for ${uri}`);

  it('bob’s unlisted post reaches alice’s home on one but neither public timeline; his public one is in one’s federated timeline', async () => {
    const unlisted = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'quietly public', visibility: 'unlisted' });
    const seen: any = await onOne(unlisted.uri);
    assert.equal(seen.visibility, 'unlisted');
    assert.equal((await one.request('GET', `/api/v1/statuses/${seen.id}`)).status, 200, 'an unlisted post is shown to anyone who has its link');
    const loud = await call(two, bob, 'POST', '/api/v1/statuses', { status: 'loudly public' });
    await onOne(loud.uri);
    const federated = (await call(one, alice, 'GET', '/api/v1/timelines/public?remote=true')) as { uri: string }[];
    assert.ok(
      federated.some((status) => status.uri === loud.uri),
      'the public post is in one’s federated timeline',
    );
    assert.ok(!federated.some((status) => status.uri === unlisted.uri), 'the unlisted post is not');
    const local = (await call(one, alice, 'GET', '/api/v1/timelines/public?local=true')) as { uri: string }[];
    assert.ok(!local.some((status) => status.uri === loud.uri), 'a remote post is not in one’s local timeline');
  });

  it('alice mentions bob from one: he is notified on two, which links the mention to his local account', async (t) => {
    if (hasPortInDomain(one)) return t.skip('the instances could not listen on port 80');
    const posted = await call(one, alice, 'POST', '/api/v1/statuses', { status: `hello @bob@${two.config.localDomain}, from one` });
    assert.deepEqual(
      posted.mentions.map((mention: { acct: string; id: string }) => [mention.acct, mention.id]),
      [[`bob@${two.config.localDomain}`, bobOnOne]],
    );
    const notified: any = await notificationOf(two, bob, 'mention', posted.uri);
    assert.equal(notified.account.acct, `alice@${one.config.localDomain}`);
    assert.deepEqual(
      notified.status.mentions.map((mention: { acct: string }) => mention.acct),
      ['bob'],
    );
    assert.equal(notified.status.visibility, 'public');
    assert.match(notified.status.content, /<span class="h-card" translate="no"><a href="[^"]+" class="u-url mention"[^>]*>@<span>bob<\/span><\/a><\/span>/);

    const reply = await call(two, bob, 'POST', '/api/v1/statuses', { status: `@alice@${one.config.localDomain} hi back`, in_reply_to_id: notified.status.id });
    const replyNotified: any = await notificationOf(one, alice, 'mention', reply.uri);
    assert.equal(replyNotified.status.in_reply_to_id, posted.id, 'the reply is threaded under alice’s post on one');
    assert.equal(replyNotified.status.in_reply_to_account_id, posted.account.id);
  });

  it('a direct message from alice reaches bob on two only: not carol, not the public, shown in his conversations', async (t) => {
    if (hasPortInDomain(one)) return t.skip('the instances could not listen on port 80');
    const posted = await call(one, alice, 'POST', '/api/v1/statuses', { status: `@bob@${two.config.localDomain} just between us`, visibility: 'direct' });
    const notified: any = await notificationOf(two, bob, 'mention', posted.uri);
    assert.equal(notified.status.visibility, 'direct');
    // the conversation is updated by the status's distribution, a job of its own beside the notification
    const conversation = await until(async () => {
      const conversations = (await call(two, bob, 'GET', '/api/v1/conversations')) as { last_status: { uri: string }; accounts: { acct: string }[] }[];
      return conversations.find((item) => item.last_status.uri === posted.uri);
    }, 'the message in bob’s conversations');
    assert.deepEqual(
      conversation.accounts.map((account) => account.acct),
      [`alice@${one.config.localDomain}`],
    );
    assert.equal((await two.request('GET', `/api/v1/statuses/${notified.status.id}`, { token: carol.token })).status, 404, 'carol cannot see it');
    assert.equal((await two.request('GET', `/api/v1/statuses/${notified.status.id}`)).status, 404, 'nor can the public');
  });

  it('bob’s profile update on two shows on one: name, bio, fields, locked', async () => {
    await aliceOnTwo();
    const updated = await two.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: bob.token,
      json: { display_name: 'Bob of Two', note: 'I live on two', locked: true, fields_attributes: { '0': { name: 'Home', value: 'two' } } },
    });
    assert.equal(updated.status, 200, updated.text);
    const seen = await until(async () => {
      const account = await call(one, alice, 'GET', `/api/v1/accounts/${bobOnOne}`);
      return account.display_name === 'Bob of Two' ? account : undefined;
    }, 'bob’s new name on one');
    assert.equal(seen.note, updated.body.note);
    assert.equal(seen.locked, true);
    assert.deepEqual(
      seen.fields.map((field: { name: string; value: string }) => [field.name, field.value]),
      [['Home', 'two']],
    );
  });

  it('bob’s new avatar and header on two reach one in the Update: the icon and image URLs two serves', async () => {
    const form = new FormData();
    const image = async (width: number, height: number) =>
      new Blob(
        [
          new Uint8Array(
            await sharp({ create: { width, height, channels: 3, background: '#884422' } })
              .png()
              .toBuffer(),
          ),
        ],
        { type: 'image/png' },
      );
    form.append('avatar', await image(64, 64), 'avatar.png');
    form.append('header', await image(300, 100), 'header.png');
    const response = await fetch(`${two.url}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { authorization: `Bearer ${bob.token}` }, body: form });
    const updated = await response.json();
    assert.equal(response.status, 200, JSON.stringify(updated));
    assert.ok(updated.avatar.startsWith(two.ctx.storage.url('accounts/avatars/')), updated.avatar);
    const seen = await until(async () => {
      const [row] = await one.ctx.db.select().from(accounts).where(eq(accounts.id, bobOnOne));
      return row?.avatarRemoteUrl === updated.avatar ? row : undefined;
    }, 'bob’s new avatar on one');
    assert.equal(seen.headerRemoteUrl, updated.header);
    // one shows its own copy once the pull queue has downloaded it (missing.png until then, as Mastodon)
    const shown = await until(async () => {
      const account = await call(one, alice, 'GET', `/api/v1/accounts/${bobOnOne}`);
      return !/missing\.png$/.test(account.avatar) && account;
    }, 'bob’s new avatar cached on one');
    assert.ok(shown.avatar.startsWith(one.ctx.storage.url('cache/accounts/avatars/')), shown.avatar);
  });
});
