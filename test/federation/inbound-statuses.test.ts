import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { accounts, follows, statuses } from '../../src/db/schema.ts';
import { LITEPUB_CONTEXT, loadFixture, rewrite } from '../helpers/fixtures.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

/** Where each fixture's author lives in the fixture, to be moved onto the fake remote. */
const AUTHORS: Record<string, { origin: string; actor: string }> = {
  mastodon: { origin: 'https://mastodon.example', actor: 'https://mastodon.example/users/bob' },
  gotosocial: { origin: 'https://gts.example', actor: 'https://gts.example/users/bob' },
  misskey: { origin: 'https://misskey.example', actor: 'https://misskey.example/users/9x8y7z6w5v' },
  pleroma: { origin: 'https://pleroma.example', actor: 'https://pleroma.example/users/bob' },
  writefreely: { origin: 'https://blog.example', actor: 'https://blog.example/api/collections/bob' },
  hostile: { origin: 'https://mastodon.example', actor: 'https://mastodon.example/users/bob' },
};

describe('statuses from other servers, through the inbox', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    remote.serve('/schemas/litepub-0.1.jsonld', LITEPUB_CONTEXT);
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    // alice follows bob, so what bob posts concerns this instance
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  /** A fixture as bob on the fake remote would send it now: moved to the remote's origin, addressed to this instance, dated now. */
  function fixture(name: string, replacements: Record<string, string> = {}): any {
    const author = AUTHORS[name.split('-')[0]!]!;
    const json = rewrite(loadFixture(name), { [author.actor]: remote.actorId, [author.origin]: remote.origin, 'https://subspace.test': BASE, ...replacements });
    const now = new Date().toISOString();
    json.published = now;
    if (typeof json.object === 'object') json.object.published = now;
    return json;
  }
  const post = async (activity: unknown, inbox = '/inbox') => {
    const response = await remote.postSigned(instance.url, `${BASE}${inbox}`, activity);
    assert.equal(response.status, 202, response.text);
  };
  const statusRow = (uri: string) =>
    instance.ctx.db
      .select()
      .from(statuses)
      .where(eq(statuses.uri, uri))
      .then((rows) => rows[0]);
  const arrived = (uri: string) => until(() => statusRow(uri), `status ${uri} to be stored`);
  /** waits until every inbound activity was processed, and checks that none failed */
  const settled = async () => {
    await until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const show = async (id: string, token = alice.token) => instance.request('GET', `/api/v1/statuses/${id}`, { token });
  const notificationsOf = async (user: TestUser) =>
    (await instance.request('GET', '/api/v1/notifications', { token: user.token })).body as { type: string; status?: { id: string }; account: { acct: string } }[];
  const localPost = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };

  it('stores a Mastodon Create: sanitized content, public, by bob@host, with mention, hashtag, language, and notifies the mentioned member', async () => {
    const activity = fixture('mastodon-create-note.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    await settled();
    const { status, body } = await show(row.id);
    assert.equal(status, 200);
    assert.equal(body.account.acct, remote.handle);
    assert.equal(body.visibility, 'public');
    assert.equal(body.language, 'en');
    assert.equal(body.uri, activity.object.id);
    assert.equal(body.url, `${remote.origin}/@bob/113388475346925634`);
    assert.match(body.content, /^<p>Hello <span class="h-card" translate="no"><a href="http:\/\/subspace.test\/@alice" class="u-url mention" rel="nofollow noopener" target="_blank">/);
    assert.deepEqual(
      body.mentions.map((mention: { acct: string }) => mention.acct),
      ['alice'],
    );
    assert.deepEqual(
      body.tags.map((tag: { name: string }) => tag.name),
      ['fediverse'],
    );
    const blobcat = 'https://files.mastodon.example/custom_emojis/images/000/004/207/original/blobcat.png';
    assert.deepEqual(body.emojis, [{ shortcode: 'blobcat', url: blobcat, static_url: blobcat, visible_in_picker: false }]);
    const picker = await instance.request('GET', '/api/v1/custom_emojis');
    assert.deepEqual(picker.body, [], 'remote emoji are not offered in the picker');
    assert.equal(row.local, false);
    const mention = await until(async () => (await notificationsOf(alice)).find((item) => item.type === 'mention' && item.status?.id === row.id), 'the mention notification');
    assert.equal(mention.account.acct, remote.handle);
    // bob's post is in alice's home feed, as a post of someone she follows
    await until(async () => {
      const home = await instance.request('GET', '/api/v1/timelines/home', { token: alice.token });
      return home.body.some((item: { id: string }) => item.id === row.id);
    }, 'the status in the home timeline');
  });

  it('stores a delivery once, however often it arrives', async () => {
    const activity = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346925999' });
    await post(activity);
    await post(activity);
    await arrived(activity.object.id);
    await settled();
    const [{ count }] = (await instance.ctx.db.select({ count: sql<number>`count(*)::int` }).from(statuses).where(eq(statuses.uri, activity.object.id))) as [{ count: number }];
    assert.equal(count, 1);
  });

  it('stores a Mastodon Question as a poll with its options and counts', async () => {
    const activity = fixture('mastodon-create-question.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.equal(body.spoiler_text, 'poll inside');
    assert.equal(body.sensitive, true);
    assert.equal(body.poll.multiple, false);
    assert.equal(body.poll.expires_at, '2099-11-01T12:00:00.000Z');
    assert.deepEqual(body.poll.options, [
      { title: 'Tea', votes_count: 2 },
      { title: 'Coffee', votes_count: 1 },
    ]);
    assert.equal(body.poll.votes_count, 3);
  });

  it('stores a GoToSocial Note to the followers with the public in cc as unlisted', async () => {
    const activity = fixture('gotosocial-create-note.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.equal(body.visibility, 'unlisted');
    assert.deepEqual(
      body.tags.map((tag: { name: string }) => tag.name),
      ['sloths'],
    );
  });

  it('stores a Misskey Note to bob’s followers as private, seen by alice who follows bob and not by others', async () => {
    const activity = fixture('misskey-create-note.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.equal(body.visibility, 'private');
    assert.equal(body.sensitive, true);
    const stranger = await instance.createUser('stranger');
    assert.equal((await show(row.id, stranger.token)).status, 404);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${row.id}`)).status, 404);
  });

  it('stores a Pleroma reply (its context fetched from the remote) as a reply to the local post, without the javascript: link', async () => {
    const parent = await localPost(alice, { status: 'a post to reply to' });
    const activity = fixture('pleroma-create-note.json', { 'https://subspace.test/users/alice/statuses/1': parent.uri });
    await post(activity, '/users/alice/inbox');
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.equal(body.in_reply_to_id, parent.id);
    assert.equal(body.in_reply_to_account_id, alice.accountId);
    assert.equal(body.spoiler_text, 're: subspace');
    assert.doesNotMatch(body.content, /javascript|data-user/);
    assert.match(body.content, /with a <span>sneaky link<\/span>$/);
    assert.ok(remote.received.includes('GET /schemas/litepub-0.1.jsonld'), 'the remote context was fetched');
    const context = await instance.request('GET', `/api/v1/statuses/${parent.id}/context`, { token: alice.token });
    assert.deepEqual(
      context.body.descendants.map((item: { id: string }) => item.id),
      [row.id],
    );
    assert.equal((await show(parent.id)).body.replies_count, 1);
  });

  it('converts an Article to its title and a link', async () => {
    const activity = fixture('writefreely-create-article.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.match(body.content, /^<p><strong>A long essay &lt;on&gt; things<\/strong><\/p>/);
    assert.doesNotMatch(body.content, /Thousands of words|script/);
  });

  it('stores hostile content defused: no script, handler, style, or javascript: link or URL', async () => {
    const activity = fixture('hostile-script-note.json');
    await post(activity);
    const row = await arrived(activity.object.id);
    const { body } = await show(row.id);
    assert.doesNotMatch(body.content, /<script|onerror|onclick|onmouseover|style=|javascript:|<iframe|<img|<svg|<form|data:/i);
    assert.match(body.content, /^<p>Hi/);
    assert.equal(body.url, activity.object.id, 'the javascript: url is replaced by the id');
    assert.deepEqual(body.tags, []);
  });

  it('stores nothing for an object on another host than its actor, or attributed to someone else', async () => {
    const mismatch = fixture('hostile-host-mismatch.json');
    const misattributed = fixture('hostile-misattributed.json');
    await post(mismatch);
    await post(misattributed);
    await settled();
    assert.equal(await statusRow(mismatch.object.id), undefined);
    assert.equal(await statusRow(misattributed.object.id), undefined);
  });

  it('refuses unsigned, oversized and impersonating deliveries, and survives deep nesting', async () => {
    const activity = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346920001' });
    const unsigned = await fetch(new URL('/inbox', instance.url), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: JSON.stringify(activity) });
    assert.equal(unsigned.status, 401);
    const oversized = { ...activity, object: { ...activity.object, content: 'x'.repeat(1024 * 1024) } };
    const big = await fetch(new URL('/inbox', instance.url), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: JSON.stringify(oversized) });
    assert.equal(big.status, 413);
    // signed by bob, but claiming to come from carol on bob's server
    const carol = `${remote.origin}/users/carol`;
    const impersonating = rewrite(activity, { [remote.actorId]: carol });
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, impersonating);
    assert.notEqual(response.status, 500);
    // deep HTML is cut to the nesting limit; deep JSON in an unknown property does not break processing
    const deepHtml = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346920002' });
    deepHtml.object.content = `${'<span>'.repeat(5_000)}deep${'</span>'.repeat(5_000)}`;
    delete deepHtml.object.contentMap;
    await post(deepHtml);
    const deepJson = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346920003' });
    let nested: unknown = 'bottom';
    for (let i = 0; i < 3_000; i++) nested = [nested];
    deepJson.object.nested = nested;
    const deepResponse = await remote.postSigned(instance.url, `${BASE}/inbox`, deepJson);
    assert.equal(deepResponse.status, 400, deepResponse.text);
    await settled();
    assert.equal(await statusRow(activity.object.id), undefined, 'neither the unsigned, the oversized nor the impersonating one was stored');
    const deep = await arrived(deepHtml.object.id);
    assert.ok((deep.content.match(/<span>/g) ?? []).length <= 100);
    assert.match(deep.content, /deep/);
    // the instance goes on processing
    const after = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346920004' });
    await post(after);
    await arrived(after.object.id);
  });

  it('applies an Update as an edit with history, and ignores an older one', async () => {
    const activity = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346930001' });
    await post(activity);
    const row = await arrived(activity.object.id);
    const edited = new Date(Date.now() + 1000).toISOString();
    const object = { ...activity.object, content: '<p>Edited <script>x</script>text</p>', contentMap: undefined, updated: edited, tag: [] };
    await post({ '@context': activity['@context'], id: `${activity.object.id}#updates/1`, type: 'Update', actor: remote.actorId, to: activity.to, cc: activity.cc, object });
    await until(async () => (await statusRow(activity.object.id))?.editedAt, 'the edit');
    const { body } = await show(row.id);
    assert.equal(body.content, '<p>Edited text</p>');
    assert.equal(body.edited_at, `${edited.replace(/Z$/, '').slice(0, 23)}Z`);
    assert.deepEqual(body.tags, []);
    const history = await instance.request('GET', `/api/v1/statuses/${row.id}/history`, { token: alice.token });
    assert.equal(history.body.length, 2);
    assert.match(history.body[0].content, /^<p>Hello/);
    assert.equal(history.body[1].content, '<p>Edited text</p>');
    // an Update dated before the last edit changes nothing
    const stale = { ...object, content: '<p>older</p>', updated: new Date(Date.now() - 60_000).toISOString() };
    await post({ '@context': activity['@context'], id: `${activity.object.id}#updates/0`, type: 'Update', actor: remote.actorId, object: stale });
    await settled();
    assert.equal((await show(row.id)).body.content, '<p>Edited text</p>');
  });

  it('refreshes a poll’s counts from an undated Update, without an edit', async () => {
    const activity = fixture('mastodon-create-question.json', { '113388500000000001': '113388500000000002' });
    await post(activity);
    const row = await arrived(activity.object.id);
    const object = {
      ...activity.object,
      votersCount: 5,
      oneOf: [
        { type: 'Note', name: 'Tea', replies: { type: 'Collection', totalItems: 4 } },
        { type: 'Note', name: 'Coffee', replies: { type: 'Collection', totalItems: 1 } },
      ],
    };
    await post({ '@context': activity['@context'], id: `${activity.object.id}#updates/2`, type: 'Update', actor: remote.actorId, object });
    await until(async () => (await show(row.id)).body.poll.votes_count === 5, 'the new counts');
    assert.equal((await show(row.id)).body.edited_at, null);
  });

  it('deletes on Delete, leaving a tombstone: the same Create later, or a Create after its Delete, stores nothing', async () => {
    const activity = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346940001' });
    await post(activity);
    const row = await arrived(activity.object.id);
    const bob = () =>
      instance.ctx.db
        .select()
        .from(accounts)
        .where(eq(accounts.id, bobId))
        .then((rows) => rows[0]!);
    const before = (await bob()).statusesCount;
    await post({ '@context': AS, id: `${activity.object.id}#delete`, type: 'Delete', actor: remote.actorId, to: [PUBLIC], object: { id: activity.object.id, type: 'Tombstone' } });
    await until(async () => (await show(row.id)).status === 404, 'the deletion');
    assert.equal((await bob()).statusesCount, before - 1);
    await post(activity);
    await settled();
    assert.equal((await show(row.id)).status, 404);

    const early = fixture('mastodon-create-note.json', { '113388475346925634': '113388475346940002' });
    await post({ '@context': AS, id: `${early.object.id}#delete`, type: 'Delete', actor: remote.actorId, object: early.object.id });
    await settled();
    await post(early);
    await settled();
    assert.equal(await statusRow(early.object.id), undefined);
  });

  it('Announce of a local post is a boost by bob, counted and notified; Undo takes it back', async () => {
    const original = await localPost(alice, { status: 'boost me' });
    const announceId = `${remote.actorId}/statuses/${++n}/activity`;
    const announce = {
      '@context': AS,
      id: announceId,
      type: 'Announce',
      actor: remote.actorId,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${BASE}/users/alice`, `${remote.actorId}/followers`],
      object: original.uri,
    };
    await post(announce);
    await post(announce);
    await until(async () => (await show(original.id)).body.reblogs_count === 1, 'the boost');
    const boost = (await statusRow(announceId))!;
    assert.equal(boost.reblogOfId, original.id);
    assert.equal(boost.visibility, 'public');
    await until(async () => (await notificationsOf(alice)).find((item) => item.type === 'reblog' && item.status?.id === original.id), 'the reblog notification');
    const rebloggedBy = await instance.request('GET', `/api/v1/statuses/${original.id}/reblogged_by`, { token: alice.token });
    assert.deepEqual(
      rebloggedBy.body.map((account: { acct: string }) => account.acct),
      [remote.handle],
    );

    await post({ '@context': AS, id: `${announceId}/undo`, type: 'Undo', actor: remote.actorId, object: announce });
    await until(async () => (await show(original.id)).body.reblogs_count === 0, 'the boost taken back');
    assert.equal(
      (await notificationsOf(alice)).some((item) => item.type === 'reblog' && item.status?.id === original.id),
      false,
    );
  });

  it('Announce of a status not known here fetches it from its server first; a document under another id is refused', async () => {
    const id = `${remote.actorId}/statuses/fetched-${++n}`;
    remote.serve(new URL(id).pathname, {
      '@context': AS,
      id,
      type: 'Note',
      attributedTo: remote.actorId,
      content: '<p>fetched <script>x</script>on demand</p>',
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${remote.actorId}/followers`],
    });
    const announceId = `${remote.actorId}/statuses/${++n}/activity`;
    await post({ '@context': AS, id: announceId, type: 'Announce', actor: remote.actorId, published: new Date().toISOString(), to: [PUBLIC], cc: [`${remote.actorId}/followers`], object: id });
    const boost = await arrived(announceId);
    const original = (await statusRow(id))!;
    assert.equal(boost.reblogOfId, original.id);
    assert.equal(original.content, '<p>fetched on demand</p>');
    assert.ok(remote.received.includes(`GET ${new URL(id).pathname}`));

    const liar = `${remote.actorId}/statuses/liar-${++n}`;
    remote.serve(new URL(liar).pathname, { '@context': AS, id: `${remote.actorId}/statuses/someone-elses`, type: 'Note', attributedTo: remote.actorId, content: '<p>not me</p>', to: [PUBLIC] });
    const refusedId = `${remote.actorId}/statuses/${++n}/activity`;
    await post({ '@context': AS, id: refusedId, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object: liar });
    await settled();
    assert.equal(await statusRow(refusedId), undefined);
    assert.equal(await statusRow(`${remote.actorId}/statuses/someone-elses`), undefined);
  });

  it('Like of a local post is a favourite, once, notified; Undo takes it back; an Undo before its Like wins', async () => {
    const original = await localPost(alice, { status: 'like me' });
    const like = { '@context': AS, id: `${remote.actorId}#likes/${++n}`, type: 'Like', actor: remote.actorId, object: original.uri };
    await post(like);
    await post(like);
    await until(async () => (await show(original.id)).body.favourites_count === 1, 'the favourite');
    await until(async () => (await notificationsOf(alice)).find((item) => item.type === 'favourite' && item.status?.id === original.id), 'the notification');
    await settled();
    assert.equal((await show(original.id)).body.favourites_count, 1);
    await post({ '@context': AS, id: `${like.id}/undo`, type: 'Undo', actor: remote.actorId, object: like });
    await until(async () => (await show(original.id)).body.favourites_count === 0, 'the favourite taken back');

    const late = { ...like, id: `${remote.actorId}#likes/${++n}` };
    await post({ '@context': AS, id: `${late.id}/undo`, type: 'Undo', actor: remote.actorId, object: late });
    await settled();
    await post(late);
    await settled();
    assert.equal((await show(original.id)).body.favourites_count, 0);
  });

  it('a Note named after an option, in reply to a local poll, is a vote', async () => {
    const poll = await localPost(alice, { status: 'tea or coffee', poll: { options: ['tea', 'coffee'], expires_in: 3600 } });
    const voteId = `${remote.actorId}#votes/${++n}`;
    const vote = {
      '@context': AS,
      id: `${voteId}/activity`,
      type: 'Create',
      actor: remote.actorId,
      to: [`${BASE}/users/alice`],
      object: { id: voteId, type: 'Note', name: 'coffee', attributedTo: remote.actorId, to: [`${BASE}/users/alice`], inReplyTo: poll.uri },
    };
    await post(vote);
    await post(vote);
    await until(async () => (await show(poll.id)).body.poll.votes_count === 1, 'the vote');
    await settled();
    const { body } = await show(poll.id);
    assert.deepEqual(
      body.poll.options.map((option: { votes_count: number }) => option.votes_count),
      [0, 1],
    );
    assert.equal(await statusRow(voteId), undefined, 'a vote is not a status');
  });

  it('drops a status from an account nobody here follows that concerns nobody here', async () => {
    await instance.ctx.db.delete(follows).where(and(eq(follows.accountId, alice.accountId), eq(follows.targetAccountId, bobId)));
    try {
      const activity = fixture('gotosocial-create-note.json', { '01JBC4Z7M3W3F6Q0KXN2V9H8RT': '01JBC4Z7M3W3F6Q0KXN2V9H8ZZ' });
      await post(activity);
      await settled();
      assert.equal(await statusRow(activity.object.id), undefined);
    } finally {
      await fabricateFollow(instance.ctx, alice.accountId, bobId);
    }
  });
});
