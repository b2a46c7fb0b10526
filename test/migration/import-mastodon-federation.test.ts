import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startCavagePeer, type CavagePeer } from '../helpers/cavage-peer.ts';
import { AS } from '../helpers/constants.ts';
import { loopbackInstanceEnv, until } from '../helpers/federating-instances.ts';
import { startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';
import { importIntoNewInstance, startMastodonSource, type MastodonSource } from '../helpers/mastodon-source.ts';

/**
 * The move seen from another server: a server that is not Subspace (test/helpers/cavage-peer.ts,
 * which signs and verifies draft-cavage as Mastodon does) followed alice while her instance ran
 * Mastodon. After the import, the same domain runs Subspace: the peer goes on receiving her posts,
 * signed with the key it knew, and what it sends to her old URIs still lands.
 */
describe('a remote follower of an imported account, across the move', () => {
  let peer: CavagePeer;
  let source: MastodonSource;
  let environment: TestEnvironment;
  let subspace: TestInstance;
  let base: string;
  let peersPublicKey: string;

  before(async () => {
    peer = await startCavagePeer({ address: claimLoopbackAddress(), usernames: ['pat'] });
    const pat = peer.account('pat');
    peersPublicKey = (await (await fetch(pat.actorId, { headers: { accept: 'application/activity+json' } })).json()).publicKey.publicKeyPem;
    const env = await loopbackInstanceEnv();
    base = `http://${env.LOCAL_DOMAIN}`;
    source = await startMastodonSource({
      domain: env.LOCAL_DOMAIN,
      baseUrl: base,
      followersOfAlice: [{ username: 'pat', domain: peer.host, uri: pat.actorId, inbox: pat.inbox, sharedInbox: `${peer.origin}/inbox`, publicKeyPem: peersPublicKey }],
    });
    const imported = await importIntoNewInstance(source, { instanceEnv: env });
    environment = imported.environment;
    assert.equal(imported.run.code, 0, imported.run.output);
    subspace = await startInstance({ environment });
  });
  after(async () => {
    await subspace?.close();
    await source?.close();
    await peer?.close();
  });

  it('delivers her new post to the peer, signed with the key Mastodon had (the one in its database)', async () => {
    const alice = source.fixture.alice;
    const posted = await subspace.request('POST', '/api/v1/statuses', { token: source.fixture.tokens.alice, json: { status: 'Posting from the new server software' } });
    assert.equal(posted.status, 200, posted.text);
    const create = await until(
      async () => peer.accepted.find((entry) => entry.activity.type === 'Create' && entry.activity.object?.id === posted.body.uri),
      `the Create verified at the peer (dropped: ${JSON.stringify(peer.dropped)})`,
    );
    assert.equal(create.keyId, `${base}/users/alice#main-key`);
    assert.equal(create.activity.actor, `${base}/users/alice`);
    // the key the peer verified it with is the one the Mastodon database held
    const [row] = await source.query<{ public_key: string }>('SELECT public_key FROM accounts WHERE id = $1', [alice.id]);
    const actor = await subspace.request('GET', '/users/alice', { headers: { accept: 'application/activity+json' } });
    assert.equal(actor.body.publicKey.publicKeyPem.trim(), row!.public_key.trim());
    // and what Subspace signs with is its pair
    const signed = createVerify('sha256').update('probe');
    const signature = (await import('node:crypto')).createSign('sha256').update('probe').sign(alice.privateKey, 'base64');
    assert.ok(signed.verify(row!.public_key, signature, 'base64'));
  });

  it('takes what the peer sends to her statuses as Mastodon knew them, and the peer still follows her', async () => {
    const pat = peer.account('pat');
    const hello = source.fixture.statuses.hello;
    const like = { '@context': AS, id: `${pat.actorId}#likes/1`, type: 'Like', actor: pat.actorId, object: `${base}/users/alice/statuses/${hello}` };
    const answer = await peer.deliver('pat', `${base}/users/alice/inbox`, like);
    assert.ok(answer.status === 202 || answer.status === 200, answer.text);
    await until(async () => {
      const status = await subspace.request('GET', `/api/v1/statuses/${hello}`, { token: source.fixture.tokens.alice });
      return status.body.favourites_count === 2;
    }, 'the Like counted on the imported status');
    const followers = await subspace.request('GET', `/api/v1/accounts/${source.fixture.alice.id}/followers`, { token: source.fixture.tokens.alice });
    assert.ok(
      followers.body.some((account: any) => account.acct === pat.handle),
      JSON.stringify(followers.body.map((account: any) => account.acct)),
    );
    // an Undo of the follow Mastodon accepted ends it here
    const undo = {
      '@context': AS,
      id: `${pat.actorId}#undo/1`,
      type: 'Undo',
      actor: pat.actorId,
      object: { id: 'https://peer.invalid/follows/11', type: 'Follow', actor: pat.actorId, object: `${base}/users/alice` },
    };
    await peer.deliver('pat', `${base}/users/alice/inbox`, undo);
    await until(async () => {
      const after = await subspace.request('GET', `/api/v1/accounts/${source.fixture.alice.id}/followers`, { token: source.fixture.tokens.alice });
      return !after.body.some((account: any) => account.acct === pat.handle);
    }, 'the follow undone');
  });
});
