import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCavagePeer, type CavagePeer } from '../helpers/cavage-peer.ts';
import { startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import { AS, PUBLIC } from '../helpers/constants.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

/**
 * Subspace against a server that is not Subspace (test/helpers/cavage-peer.ts: node:http and
 * node:crypto, no Fedify): it signs and verifies only draft-cavage, and answers 202 before verifying,
 * as snac does, so an activity counts here only once the peer has verified it. Every step goes
 * through Subspace's Mastodon API on one side and the peer's inboxes on the other.
 */

describe('federation with a server that is not Subspace (draft-cavage only, verifying after 202)', () => {
  let subspace: TestInstance;
  let peer: CavagePeer;
  let alice: TestUser;
  let aliceUri: string;
  let alicePost: { id: string; uri: string };
  let bobsReply: { uri: string; idHere: string };

  /** what the peer dropped so far, for failure messages */
  const drops = () => JSON.stringify(peer.dropped);
  const call = async (method: string, path: string, json?: unknown) => {
    const response = await subspace.request(method, path, { token: alice.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };
  const verifiedAtPeer = (type: string, match: (activity: any) => boolean, what: string) => until(async () => peer.acceptedOf(type).find(match), `${what} verified at the peer (dropped: ${drops()})`);
  const objectId = (object: any): string | undefined => (typeof object === 'string' ? object : object?.id);

  before(async () => {
    peer = await startCavagePeer({ address: claimLoopbackAddress(), usernames: ['bob', 'carol'] });
    subspace = await startOn();
    alice = await subspace.createUser('alice');
    aliceUri = new URL('/users/alice', subspace.url).href;
  });
  after(async () => {
    await subspace?.close();
    await peer?.close();
  });

  test('the peer’s bob follows alice: Subspace’s Accept arrives signed draft-cavage and verified', async () => {
    const bob = peer.account('bob');
    const follow = { '@context': AS, id: `${bob.actorId}#follows/1`, type: 'Follow', actor: bob.actorId, object: aliceUri };
    const answer = await peer.deliver('bob', new URL('/users/alice/inbox', subspace.url).href, follow);
    assert.equal(answer.status, 202, answer.text);
    const accept = await verifiedAtPeer('Accept', (activity) => objectId(activity.object) === follow.id, 'the Accept of bob’s Follow');
    assert.equal(accept.actor, aliceUri);
    const followers = await until(async () => {
      const shown = await subspace.request('GET', `/api/v1/accounts/${alice.accountId}/followers`, { token: alice.token });
      return (shown.body as { acct: string }[]).length > 0 && shown.body;
    }, 'bob among alice’s followers');
    assert.deepEqual(
      followers.map((account: { acct: string }) => account.acct),
      [bob.handle],
    );
  });

  test('alice follows the peer’s bob: the peer verifies the Follow and answers Accept, and she is following', async () => {
    const bob = peer.account('bob');
    const found = await call('GET', `/api/v2/search?q=${encodeURIComponent(`@${bob.handle}`)}&resolve=true&type=accounts`);
    assert.equal(found.accounts[0]?.acct, bob.handle, JSON.stringify(found));
    const followed = await call('POST', `/api/v1/accounts/${found.accounts[0].id}/follow`);
    assert.equal(followed.requested || followed.following, true);
    await verifiedAtPeer('Follow', (activity) => activity.actor === aliceUri && objectId(activity.object) === bob.actorId, 'alice’s Follow');
    await until(async () => (await call('GET', `/api/v1/accounts/relationships?id[]=${found.accounts[0].id}`))[0]?.following, 'alice following bob');
  });

  test('alice posts: the peer receives a Create it verifies', async () => {
    alicePost = await call('POST', '/api/v1/statuses', { status: 'Hello to a server that is not Subspace' });
    const create = await verifiedAtPeer('Create', (activity) => objectId(activity.object) === alicePost.uri, 'the Create of alice’s post');
    assert.equal(create.actor, aliceUri);
    assert.match(create.object.content, /Hello to a server that is not Subspace/);
  });

  test('bob replies to alice, mentioning her: Subspace stores the reply and notifies her', async () => {
    const bob = peer.account('bob');
    const noteId = `${bob.actorId}/statuses/1`;
    const note = {
      id: noteId,
      type: 'Note',
      attributedTo: bob.actorId,
      inReplyTo: alicePost.uri,
      content: `<p><span class="h-card"><a href="${aliceUri}" class="u-url mention">@<span>alice</span></a></span> hello from the peer</p>`,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [bob.followers, aliceUri],
      tag: [{ type: 'Mention', href: aliceUri, name: `@alice@${subspace.config.localDomain}` }],
    };
    peer.serve(new URL(noteId).pathname, { '@context': AS, ...note });
    const create = { '@context': AS, id: `${noteId}/activity`, type: 'Create', actor: bob.actorId, published: note.published, to: note.to, cc: note.cc, object: note };
    const answer = await peer.deliver('bob', new URL('/users/alice/inbox', subspace.url).href, create);
    assert.equal(answer.status, 202, answer.text);
    const mention = await until(async () => {
      const notifications = await call('GET', '/api/v1/notifications?types[]=mention');
      return (notifications as any[]).find((notification) => notification.status?.uri === noteId);
    }, 'the mention notification of bob’s reply');
    assert.equal(mention.account.acct, bob.handle);
    assert.equal(mention.status.in_reply_to_id, alicePost.id);
    assert.match(mention.status.content, /hello from the peer/);
    bobsReply = { uri: noteId, idHere: mention.status.id };
  });

  test('alice favourites bob’s reply: the peer receives a Like it verifies', async () => {
    const favourited = await call('POST', `/api/v1/statuses/${bobsReply.idHere}/favourite`);
    assert.equal(favourited.favourited, true);
    const like = await verifiedAtPeer('Like', (activity) => objectId(activity.object) === bobsReply.uri, 'the Like of bob’s reply');
    assert.equal(like.actor, aliceUri);
  });

  test('alice deletes her post: the peer receives a Delete it verifies', async () => {
    await call('DELETE', `/api/v1/statuses/${alicePost.id}`);
    const deleted = await verifiedAtPeer('Delete', (activity) => objectId(activity.object) === alicePost.uri, 'the Delete of alice’s post');
    assert.equal(deleted.actor, aliceUri);
  });

  // carol is resolved while posting (WebFinger, then her actor), as Mastodon's ProcessMentionsService does
  test('alice replies to bob mentioning carol, whom Subspace has never seen: carol’s inbox gets the Create', async () => {
    const carol = peer.account('carol');
    const bob = peer.account('bob');
    const reply = await call('POST', '/api/v1/statuses', { status: `@${bob.handle} @${carol.handle} meet carol`, in_reply_to_id: bobsReply.idHere });
    assert.deepEqual(reply.mentions.map((mention: { acct: string }) => mention.acct).sort(), [bob.handle, carol.handle].sort());
    // to carol's inbox, or to the shared inbox she has with bob (one delivery per server)
    const create = await verifiedAtPeer('Create', (activity) => objectId(activity.object) === reply.uri, 'the Create of alice’s reply');
    const mentioned = [create.object.tag]
      .flat()
      .filter((tag: { type: string }) => tag?.type === 'Mention')
      .map((tag: { href: string }) => tag.href);
    assert.ok(mentioned.includes(carol.actorId), JSON.stringify(create.object.tag));
    assert.ok([create.to, create.cc].flat().includes(carol.actorId), 'carol is addressed');
  });

  test('Subspace’s signed fetches of the peer’s documents are draft-cavage too', async () => {
    await peer.settled();
    assert.ok(peer.fetchSignatures.length > 0, 'Subspace fetched the peer’s actors signed');
    assert.deepEqual(
      peer.fetchSignatures.filter((entry) => entry.spec !== 'draft-cavage'),
      [],
    );
    assert.deepEqual(peer.dropped, [], 'nothing Subspace sent was dropped');
  });
});
