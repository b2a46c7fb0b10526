import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Emoji, Hashtag, Image, PropertyValue, Service } from '@fedify/vocab';
import { eq } from 'drizzle-orm';
import { accounts, customEmojis } from '../../src/db/schema.ts';
import { resolveRemoteAccount, resolveRemoteAccountByUri } from '../../src/federation/resolve-account.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('remote accounts: resolving by handle and by URI', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });
  beforeEach(async () => {
    await instance.ctx.db.delete(accounts).where(eq(accounts.uri, remote.actorId));
    remote.received.length = 0;
    await remote.setActor({});
  });

  const search = (q: string, resolve = true) => instance.request('GET', `/api/v2/search?q=${encodeURIComponent(q)}&resolve=${resolve}&type=accounts`, { token: alice.token });

  it('finds an unknown handle through WebFinger and the actor with /api/v2/search?resolve=true, then /api/v1/accounts/lookup knows it', async () => {
    remote.counts.followers = 42;
    remote.counts.following = 7;
    remote.counts.outbox = 1234;
    await remote.setActor({
      name: 'Bob the Builder',
      summary: '<p>Builds <b>things</b><script>alert(1)</script> <a href="javascript:alert(1)">x</a> <a href="https://bob.example/">site</a></p>',
      attachments: [new PropertyValue({ name: 'Site', value: '<a href="https://bob.example/" onclick="x()">bob.example</a>' })],
      manuallyApprovesFollowers: true,
      discoverable: true,
      icon: new Image({ url: new URL('https://cdn.example/bob.png') }),
      url: new URL(`${remote.origin}/@bob`),
    });
    const before = await instance.request('GET', `/api/v1/accounts/lookup?acct=${remote.handle}`);
    assert.equal(before.status, 404, 'lookup does not fetch, as in Mastodon');

    const response = await search(`@${remote.handle}`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.accounts.length, 1, response.text);
    const [bob] = response.body.accounts;
    assert.equal(bob.acct, remote.handle);
    assert.equal(bob.username, 'bob');
    assert.equal(bob.uri, remote.actorId);
    assert.equal(bob.url, `${remote.origin}/@bob`);
    assert.equal(bob.display_name, 'Bob the Builder');
    // sanitized (the sanitizer's own tests say how): no script, no javascript: link
    assert.doesNotMatch(bob.note, /script|javascript|alert/);
    assert.match(bob.note, /Builds <b>things<\/b>/);
    assert.match(bob.note, /<a href="https:\/\/bob\.example\/" rel="nofollow noopener" target="_blank">site/);
    assert.equal(bob.fields.length, 1);
    assert.equal(bob.fields[0].name, 'Site');
    assert.doesNotMatch(bob.fields[0].value, /onclick/);
    assert.equal(bob.locked, true);
    assert.equal(bob.bot, false);
    assert.equal(bob.discoverable, true);
    // not stored (cdn.example cannot be fetched): Mastodon's placeholder, never the origin
    assert.equal(bob.avatar, 'http://subspace.test/avatars/original/missing.png');
    assert.equal(bob.followers_count, 42);
    assert.equal(bob.following_count, 7);
    assert.equal(bob.statuses_count, 1234);
    assert.ok(
      remote.received.some((line) => line.startsWith('GET /.well-known/webfinger?resource=acct%3Abob%40')),
      remote.received.join('\n'),
    );

    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.uri, remote.actorId));
    assert.equal(row!.domain, remote.host);
    assert.equal(row!.inboxUrl, `${remote.actorId}/inbox`);
    assert.equal(row!.sharedInboxUrl, `${remote.origin}/inbox`);
    assert.equal(row!.followersUrl, `${remote.actorId}/followers`);
    assert.equal(row!.protocol, 'activitypub');
    assert.equal(row!.actorType, 'Person');
    assert.match(row!.publicKeyPem ?? '', /^-----BEGIN PUBLIC KEY-----/);
    assert.ok(row!.lastWebfingeredAt);

    const lookup = await instance.request('GET', `/api/v1/accounts/lookup?acct=${remote.handle}`);
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal(lookup.body.id, bob.id);
  });

  it('finds an actor by its URI, confirming its handle through WebFinger', async () => {
    await remote.setActor({ name: 'Bot Bob' }, Service);
    const response = await search(remote.actorId);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.accounts.length, 1, response.text);
    assert.equal(response.body.accounts[0].acct, remote.handle);
    assert.equal(response.body.accounts[0].bot, true);
    assert.ok(remote.received.some((line) => line.startsWith('GET /.well-known/webfinger')));
  });

  it('fetches nothing without resolve=true', async () => {
    const response = await search(`@${remote.handle}`, false);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.accounts, []);
    assert.deepEqual(remote.received, []);
  });

  it('answers from the database while the account is fresh, and refreshes it once a day has passed', async () => {
    await remote.setActor({ name: 'First' });
    const first = await resolveRemoteAccount(instance.ctx, remote.handle);
    assert.equal(first?.displayName, 'First');
    await remote.setActor({ name: 'Second' });
    assert.equal((await resolveRemoteAccount(instance.ctx, remote.handle))?.displayName, 'First');
    await instance.ctx.db
      .update(accounts)
      .set({ lastWebfingeredAt: new Date(Date.now() - 25 * 3600_000) })
      .where(eq(accounts.id, first!.id));
    const refreshed = await resolveRemoteAccount(instance.ctx, remote.handle);
    assert.equal(refreshed?.id, first!.id);
    assert.equal(refreshed?.displayName, 'Second');
  });

  it('refuses what cannot be resolved without failing: unknown handles, non-actors, local URIs, bad input', async () => {
    assert.equal(await resolveRemoteAccount(instance.ctx, `nobody@${remote.host}`), undefined);
    assert.equal(await resolveRemoteAccountByUri(instance.ctx, `${remote.origin}/nothing`), undefined);
    assert.equal(await resolveRemoteAccountByUri(instance.ctx, 'javascript:alert(1)'), undefined);
    assert.equal(await resolveRemoteAccount(instance.ctx, 'bob@exa mple.com'), undefined);
    assert.equal(await resolveRemoteAccount(instance.ctx, '@@@'), undefined);
    const local = await resolveRemoteAccount(instance.ctx, 'alice@subspace.test');
    assert.equal(local?.id, alice.accountId);
    for (const q of [`@nobody@${remote.host}`, `${remote.origin}/nothing`, 'http://10.1.2.3/users/x', '@x@10.1.2.3']) {
      const response = await search(q);
      assert.equal(response.status, 200, `${q}: ${response.text}`);
      assert.deepEqual(response.body.accounts, [], q);
    }
  });

  it('keeps the custom emoji of a profile (its Emoji tags) and shows those its name, bio and fields use', async () => {
    const emoji = (name: string, url: string) => new Emoji({ id: new URL(`${remote.origin}/emojis/${name.length}`), name, icon: new Image({ mediaType: 'image/png', url: new URL(url) }) });
    await remote.setActor({
      name: ':bob_wave: Bob',
      summary: '<p>I :heart_bob: things</p>',
      attachments: [new PropertyValue({ name: 'Mood', value: ':unused_one:' })],
      tags: [
        emoji(':bob_wave:', 'https://cdn.example/bob_wave.png'),
        emoji(':heart_bob:', 'https://cdn.example/heart.gif'),
        emoji(':bad-name:', 'https://cdn.example/bad.png'),
        emoji(':no_icon_url:', 'javascript:alert(1)'),
        new Hashtag({ href: new URL(`${remote.origin}/tags/bob`), name: '#bob' }),
      ],
    });
    const response = await search(`@${remote.handle}`);
    const [bob] = response.body.accounts;
    assert.deepEqual(bob.emojis, [
      { shortcode: 'heart_bob', url: 'https://cdn.example/heart.gif', static_url: 'https://cdn.example/heart.gif', visible_in_picker: false },
      { shortcode: 'bob_wave', url: 'https://cdn.example/bob_wave.png', static_url: 'https://cdn.example/bob_wave.png', visible_in_picker: false },
    ]);
    const stored = await instance.ctx.db.select({ shortcode: customEmojis.shortcode }).from(customEmojis).where(eq(customEmojis.domain, remote.host));
    assert.deepEqual(stored.map((row) => row.shortcode).sort(), ['bob_wave', 'heart_bob']);
  });

  it('bounds and checks what a hostile actor document says', async () => {
    await remote.setActor({
      name: `${'N'.repeat(5000)}\u0000`,
      summary: `<p>${'<span>'.repeat(5000)}deep</p>${'x'.repeat(100_000)}`,
      attachments: Array.from({ length: 40 }, (_, i) => new PropertyValue({ name: `f${i}`, value: `<script>bad()</script>v${i}` })),
      icon: new Image({ url: new URL('javascript:alert(1)') }),
      url: new URL('https://elsewhere.example/@bob'),
      aliases: Array.from({ length: 100 }, (_, i) => new URL(`https://a${i}.example/users/bob`)),
    });
    const bob = await resolveRemoteAccount(instance.ctx, remote.handle);
    assert.ok(bob);
    assert.equal(bob.displayName, 'N'.repeat(1000));
    assert.ok(bob.note.length < 200_000);
    assert.equal(bob.fields.length, 16);
    assert.ok(bob.fields.every((field) => !field.value.includes('script')));
    assert.equal(bob.avatarRemoteUrl, null);
    assert.equal(bob.url, null, 'a profile page on another host is not taken');
    assert.equal(bob.alsoKnownAs?.length, 20);

    const nameless = await startFakeRemote();
    try {
      await nameless.setActor({ preferredUsername: 'not a name!' });
      assert.equal(await resolveRemoteAccount(instance.ctx, nameless.handle), undefined);
      await nameless.setActor({ inbox: null });
      assert.equal(await resolveRemoteAccount(instance.ctx, nameless.handle), undefined, 'no inbox, no account');
      assert.deepEqual(await instance.ctx.db.select().from(accounts).where(eq(accounts.domain, nameless.host)), []);
    } finally {
      await nameless.close();
    }
  });

  it('does not let a handle on another domain claim the actor unless the actor’s own WebFinger agrees', async () => {
    const impostor = await startFakeRemote();
    try {
      impostor.webfingerHref = remote.actorId;
      const claimed = await resolveRemoteAccount(instance.ctx, impostor.handle);
      assert.equal(claimed?.uri, remote.actorId);
      assert.equal(claimed?.domain, remote.host, 'stored under the handle the actor’s server confirms');
      const rows = await instance.ctx.db.select().from(accounts).where(eq(accounts.domain, impostor.host));
      assert.deepEqual(rows, []);
    } finally {
      await impostor.close();
    }
  });
});
