import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCavagePeer, type CavagePeer } from '../helpers/cavage-peer.ts';
import { AS } from '../helpers/constants.ts';
import { loopbackInstanceEnv, until } from '../helpers/federating-instances.ts';
import { startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';
import { importIntoNewInstance, startMastodonSource, type MastodonSource } from '../helpers/mastodon-source.ts';
import { addNumericIdAccount, type NumericIdAccount } from '../helpers/mastodon-source-numeric-ids.ts';

const ACTIVITY_JSON = { accept: 'application/activity+json' };

/**
 * Mastodon 4.4 makes accounts known to other servers by their numeric id (id_scheme numeric_ap_id):
 * `/ap/users/ID`, their posts `/ap/users/ID/statuses/SID`. After the move to Subspace, a server that
 * is not Subspace (test/helpers/cavage-peer.ts, signing and verifying draft-cavage as Mastodon does)
 * finds such an account and its posts where it knew them, follows it there, and gets its new posts
 * under the same scheme, signed with the key Mastodon had.
 */
describe('an imported account known by its numeric ActivityPub id', () => {
  let peer: CavagePeer;
  let source: MastodonSource;
  let environment: TestEnvironment;
  let subspace: TestInstance;
  let base: string;
  let nina: NumericIdAccount;
  const path = (uri: string) => uri.slice(base.length);

  before(async () => {
    peer = await startCavagePeer({ address: claimLoopbackAddress(), usernames: ['pat'] });
    const env = await loopbackInstanceEnv();
    base = `http://${env.LOCAL_DOMAIN}`;
    source = await startMastodonSource({ domain: env.LOCAL_DOMAIN, baseUrl: base });
    nina = await addNumericIdAccount(source, 'nina');
    const imported = await importIntoNewInstance(source, { instanceEnv: env });
    environment = imported.environment;
    assert.equal(imported.run.code, 0, imported.run.output);
    assert.doesNotMatch(imported.run.output, /known here as \/users\/USERNAME/);
    subspace = await startInstance({ environment });
  });
  after(async () => {
    await subspace?.close();
    await source?.close();
    await peer?.close();
  });

  it('serves the actor at /ap/users/ID, with its collections and the key Mastodon had', async () => {
    const actor = await subspace.request('GET', path(nina.uri), { headers: ACTIVITY_JSON });
    assert.equal(actor.status, 200, actor.text);
    assert.equal(actor.body.id, nina.uri);
    assert.equal(actor.body.preferredUsername, 'nina');
    assert.equal(actor.body.url, `${base}/@nina`);
    assert.equal(actor.body.inbox, `${nina.uri}/inbox`);
    assert.equal(actor.body.outbox, `${nina.uri}/outbox`);
    assert.equal(actor.body.followers, `${nina.uri}/followers`);
    assert.equal(actor.body.following, `${nina.uri}/following`);
    assert.equal(actor.body.featured, `${nina.uri}/collections/featured`);
    assert.equal(actor.body.featuredTags, `${nina.uri}/collections/tags`);
    assert.equal(actor.body.endpoints.sharedInbox, `${base}/inbox`);
    assert.equal(actor.body.publicKey.id, `${nina.uri}#main-key`);
    assert.equal(actor.body.publicKey.owner, nina.uri);
    assert.equal(actor.body.publicKey.publicKeyPem.trim(), nina.publicKey.trim());
    for (const collection of ['outbox', 'followers', 'following', 'collections/featured']) {
      const answer = await subspace.request('GET', `${path(nina.uri)}/${collection}`, { headers: ACTIVITY_JSON });
      assert.equal(answer.status, 200, `${collection}: ${answer.text}`);
      assert.equal(answer.body.id, `${nina.uri}/${collection}`);
    }
    const first = (await subspace.request('GET', `${path(nina.uri)}/outbox`, { headers: ACTIVITY_JSON })).body.first;
    const outbox = await subspace.request('GET', path(typeof first === 'string' ? first : first.id), { headers: ACTIVITY_JSON });
    assert.equal(outbox.status, 200, outbox.text);
    assert.ok(
      outbox.body.orderedItems.some((item: any) => item.id === `${nina.statusUri}/activity`),
      JSON.stringify(outbox.body.orderedItems.map((item: any) => item.id)),
    );
    // a browser goes to the profile page, from the actor URI as from /users/USERNAME
    for (const at of [path(nina.uri), '/users/nina']) {
      const page = await subspace.request('GET', at, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 301, at);
      assert.equal(page.headers.get('location'), `${base}/@nina`);
    }
    // /users/USERNAME, which Mastodon answers for every local account, shows the same actor, by its kept id
    const byName = await subspace.request('GET', '/users/nina', { headers: ACTIVITY_JSON });
    assert.equal(byName.status, 200, byName.text);
    assert.equal(byName.body.id, nina.uri);
    assert.equal(byName.body.publicKey.id, `${nina.uri}#main-key`);
    const profile = await subspace.request('GET', '/@nina', { headers: ACTIVITY_JSON });
    assert.equal(profile.status, 301, profile.text);
    assert.equal(profile.headers.get('location'), nina.uri);
    // an account known by its name has no numeric actor
    const alice = source.fixture.alice;
    assert.equal((await subspace.request('GET', `/ap/users/${alice.id}`, { headers: ACTIVITY_JSON })).status, 404);
    assert.equal((await subspace.request('GET', `/ap/users/${alice.id}/statuses/${source.fixture.statuses.hello}`, { headers: ACTIVITY_JSON })).status, 404);
    assert.equal((await subspace.request('GET', '/ap/users/99999999999999999999', { headers: ACTIVITY_JSON })).status, 404);
    assert.equal((await subspace.request('GET', '/users/alice', { headers: ACTIVITY_JSON })).body.id, `${base}/users/alice`);
  });

  it('answers WebFinger with the /ap/users/ID actor', async () => {
    const domain = new URL(base).host;
    const answer = await subspace.request('GET', `/.well-known/webfinger?resource=${encodeURIComponent(`acct:nina@${domain}`)}`);
    assert.equal(answer.status, 200, answer.text);
    const self = answer.body.links.find((link: any) => link.rel === 'self');
    assert.equal(self.href, nina.uri);
    assert.equal(self.type, 'application/activity+json');
    assert.deepEqual(answer.body.aliases, [`${base}/@nina`, nina.uri]);
    const byUri = await subspace.request('GET', `/.well-known/webfinger?resource=${encodeURIComponent(nina.uri)}`);
    assert.equal(byUri.status, 200, byUri.text);
    assert.ok(byUri.body.aliases.includes(`acct:nina@${domain}`), JSON.stringify(byUri.body));
  });

  it('serves the imported status at /ap/users/ID/statuses/SID, with its Create and replies', async () => {
    const note = await subspace.request('GET', path(nina.statusUri), { headers: ACTIVITY_JSON });
    assert.equal(note.status, 200, note.text);
    assert.equal(note.body.id, nina.statusUri);
    assert.equal(note.body.attributedTo, nina.uri);
    assert.ok(note.body.cc.includes(`${nina.uri}/followers`), JSON.stringify(note.body.cc));
    assert.equal(note.body.replies.id, `${nina.statusUri}/replies`);
    const create = await subspace.request('GET', `${path(nina.statusUri)}/activity`, { headers: ACTIVITY_JSON });
    assert.equal(create.status, 200, create.text);
    assert.equal(create.body.id, `${nina.statusUri}/activity`);
    assert.equal(create.body.actor, nina.uri);
    assert.equal(create.body.object.id, nina.statusUri);
    const replies = await subspace.request('GET', `${path(nina.statusUri)}/replies`, { headers: ACTIVITY_JSON });
    assert.equal(replies.status, 200, replies.text);
    assert.equal(replies.body.id, `${nina.statusUri}/replies`);
    const page = await subspace.request('GET', path(nina.statusUri), { headers: { accept: 'text/html' } });
    assert.equal(page.status, 301);
    assert.equal(page.headers.get('location'), `${base}/@nina/${nina.statusId}`);
    // the profile page's URL of the status, asked for ActivityPub, sends to its kept id
    const byUrl = await subspace.request('GET', `/@nina/${nina.statusId}`, { headers: ACTIVITY_JSON });
    assert.equal(byUrl.status, 301, byUrl.text);
    assert.equal(byUrl.headers.get('location'), nina.statusUri);
    const embed = await subspace.request('GET', `/api/oembed?url=${encodeURIComponent(nina.statusUri)}`);
    assert.equal(embed.status, 200, embed.text);
    assert.match(embed.body.html, new RegExp(`/@nina/${nina.statusId}/embed`));
  });

  it('accepts a Follow of the kept URI and delivers her new posts to the follower under the same scheme, signed with the imported key', async () => {
    const pat = peer.account('pat');
    const follow = { '@context': AS, id: `${pat.actorId}#follows/1`, type: 'Follow', actor: pat.actorId, object: nina.uri };
    const sent = await peer.deliver('pat', `${nina.uri}/inbox`, follow);
    assert.ok(sent.status === 202 || sent.status === 200, sent.text);
    const accept = await until(async () => peer.accepted.find((entry) => entry.activity.type === 'Accept'), `the Accept verified at the peer (dropped: ${JSON.stringify(peer.dropped)})`);
    assert.equal(accept.activity.actor, nina.uri);
    assert.equal(accept.keyId, `${nina.uri}#main-key`);
    assert.equal(typeof accept.activity.object === 'string' ? accept.activity.object : accept.activity.object.id, follow.id);

    const posted = await subspace.request('POST', '/api/v1/statuses', { token: nina.token, json: { status: 'Still counting, on the new server software' } });
    assert.equal(posted.status, 200, posted.text);
    assert.match(posted.body.uri, new RegExp(`^${nina.uri}/statuses/${posted.body.id}$`));
    const create = await until(
      async () => peer.accepted.find((entry) => entry.activity.type === 'Create' && entry.activity.object?.id === posted.body.uri),
      `the Create verified at the peer (dropped: ${JSON.stringify(peer.dropped)})`,
    );
    assert.equal(create.keyId, `${nina.uri}#main-key`);
    assert.equal(create.activity.actor, nina.uri);
    assert.equal(create.activity.id, `${posted.body.uri}/activity`);
    assert.equal(create.activity.object.attributedTo, nina.uri);
    const served = await subspace.request('GET', path(posted.body.uri), { headers: ACTIVITY_JSON });
    assert.equal(served.status, 200, served.text);
    assert.equal(served.body.id, posted.body.uri);
    // a boost is an Announce at /ap/users/ID/statuses/SID/activity, as Mastodon mints it
    const boost = await subspace.request('POST', `/api/v1/statuses/${nina.statusId}/reblog`, { token: nina.token });
    assert.equal(boost.status, 200, boost.text);
    assert.equal(boost.body.uri, `${nina.uri}/statuses/${boost.body.id}/activity`);
    const announce = await subspace.request('GET', path(boost.body.uri), { headers: ACTIVITY_JSON });
    assert.equal(announce.status, 200, announce.text);
    assert.equal(announce.body.type, 'Announce');
    assert.equal(announce.body.actor, nina.uri);
    assert.equal(announce.body.object, nina.statusUri);
  });

  it('takes a Like of the status by its kept URI, and an Undo of the Follow', async () => {
    const pat = peer.account('pat');
    const like = { '@context': AS, id: `${pat.actorId}#likes/1`, type: 'Like', actor: pat.actorId, object: nina.statusUri };
    const liked = await peer.deliver('pat', `${base}/inbox`, like);
    assert.ok(liked.status === 202 || liked.status === 200, liked.text);
    await until(async () => {
      const status = await subspace.request('GET', `/api/v1/statuses/${nina.statusId}`, { token: nina.token });
      return status.body.favourites_count === 1;
    }, 'the Like counted on the imported status');
    const followers = await subspace.request('GET', `/api/v1/accounts/${nina.id}/followers`, { token: nina.token });
    assert.ok(
      followers.body.some((account: any) => account.acct === pat.handle),
      JSON.stringify(followers.body),
    );
    const undo = {
      '@context': AS,
      id: `${pat.actorId}#undo/1`,
      type: 'Undo',
      actor: pat.actorId,
      object: { id: `${pat.actorId}#follows/1`, type: 'Follow', actor: pat.actorId, object: nina.uri },
    };
    await peer.deliver('pat', `${nina.uri}/inbox`, undo);
    await until(async () => {
      const now = await subspace.request('GET', `/api/v1/accounts/${nina.id}/followers`, { token: nina.token });
      return !now.body.some((account: any) => account.acct === pat.handle);
    }, 'the follow undone');
  });
});
