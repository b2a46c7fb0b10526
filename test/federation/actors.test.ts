import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Application, Person, PropertyValue, Service } from '@fedify/vocab';
import { eq } from 'drizzle-orm';
import { accounts, users } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { BASE } from '../helpers/constants.ts';

const AP = { accept: 'application/activity+json' };

describe('actors', () => {
  let instance: TestInstance;
  let alice: TestUser;
  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    const update = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: alice.token,
      json: {
        display_name: 'Alice A.',
        note: 'Hello, I am Alice.',
        locked: true,
        discoverable: true,
        indexable: true,
        fields_attributes: [{ name: 'Site', value: 'https://alice.example' }],
      },
    });
    assert.equal(update.status, 200, update.text);
  });
  after(() => instance.close());

  const actor = (path: string) => instance.request('GET', path, { headers: AP });

  it('serves a member as a Person a Mastodon reader accepts', async () => {
    const response = await actor('/users/alice');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/activity\+json/);
    const json = response.body;
    assert.ok(json['@context'].includes('https://www.w3.org/ns/activitystreams'));
    assert.ok(json['@context'].includes('https://w3id.org/security/v1'));
    assert.equal(json.type, 'Person');
    assert.equal(json.id, `${BASE}/users/alice`);
    assert.equal(json.preferredUsername, 'alice');
    assert.equal(json.name, 'Alice A.');
    assert.equal(json.summary, '<p>Hello, I am Alice.</p>');
    assert.equal(json.url, `${BASE}/@alice`);
    assert.match(json.published, /^\d{4}-\d\d-\d\dT00:00:00Z$/);
    assert.equal(json.inbox, `${BASE}/users/alice/inbox`);
    assert.equal(json.outbox, `${BASE}/users/alice/outbox`);
    assert.equal(json.followers, `${BASE}/users/alice/followers`);
    assert.equal(json.following, `${BASE}/users/alice/following`);
    assert.equal(json.featured, `${BASE}/users/alice/collections/featured`);
    assert.equal(json.featuredTags, `${BASE}/users/alice/collections/tags`);
    assert.deepEqual(json.endpoints, { sharedInbox: `${BASE}/inbox` });
    assert.equal(json.manuallyApprovesFollowers, true);
    assert.equal(json.discoverable, true);
    assert.equal(json.indexable, true);
    assert.equal(json.publicKey.id, `${BASE}/users/alice#main-key`);
    assert.equal(json.publicKey.owner, `${BASE}/users/alice`);
    assert.match(json.publicKey.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
    const multikeys = json.assertionMethod as { type: string; controller: string; publicKeyMultibase: string }[];
    assert.ok(
      multikeys.some((key) => key.type === 'Multikey' && key.controller === `${BASE}/users/alice` && key.publicKeyMultibase.startsWith('z6Mk')),
      'an Ed25519 multikey',
    );

    const person = await Person.fromJsonLd(json);
    assert.equal(person.id?.href, `${BASE}/users/alice`);
    assert.equal(person.inboxId?.href, `${BASE}/users/alice/inbox`);
    assert.equal(person.endpoints?.sharedInbox?.href, `${BASE}/inbox`);
    const key = await person.getPublicKey();
    assert.equal(key?.ownerId?.href, `${BASE}/users/alice`);
    const fields = [];
    for await (const attachment of person.getAttachments()) fields.push(attachment);
    assert.equal(fields.length, 1);
    assert.ok(fields[0] instanceof PropertyValue);
    assert.equal(fields[0].name?.toString(), 'Site');
    assert.match(fields[0].value?.toString() ?? '', /href="https:\/\/alice\.example"/);
  });

  it('keeps the same keys from one fetch to the next (the Ed25519 pair is made once and stored)', async () => {
    const first = (await actor('/users/alice')).body;
    const second = (await actor('/users/alice')).body;
    assert.deepEqual(first.assertionMethod, second.assertionMethod);
    assert.equal(first.publicKey.publicKeyPem, second.publicKey.publicKeyPem);
    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, alice.accountId));
    assert.match(row!.ed25519PublicKeyPem ?? '', /BEGIN PUBLIC KEY/);
    assert.equal(first.publicKey.publicKeyPem, row!.publicKeyPem, 'the RSA key is the one made at sign-up');
  });

  it('makes and stores an RSA pair for an account that has none (imported or seeded without keys)', async () => {
    const keyless = await instance.createUser('keyless');
    await instance.ctx.db.update(accounts).set({ publicKeyPem: null, privateKeyPem: null }).where(eq(accounts.id, keyless.accountId));
    const json = (await actor('/users/keyless')).body;
    assert.match(json.publicKey?.publicKeyPem ?? '', /BEGIN PUBLIC KEY/);
    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, keyless.accountId));
    assert.equal(row!.publicKeyPem, json.publicKey.publicKeyPem);
    assert.match(row!.privateKeyPem ?? '', /BEGIN PRIVATE KEY/);
  });

  it('serves a bot as a Service, and moved and aliased accounts with movedTo and alsoKnownAs', async () => {
    const bot = await instance.createUser('robot');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: bot.token, json: { bot: true } });
    const json = (await actor('/users/robot')).body;
    assert.equal(json.type, 'Service');
    assert.ok((await Service.fromJsonLd(json)) instanceof Service);

    await instance.ctx.db
      .update(accounts)
      .set({ movedToAccountId: alice.accountId, alsoKnownAs: ['https://old.example/users/robot'] })
      .where(eq(accounts.id, bot.accountId));
    const moved = (await actor('/users/robot')).body;
    assert.equal(moved.movedTo, `${BASE}/users/alice`);
    assert.equal(moved.alsoKnownAs, 'https://old.example/users/robot');
  });

  it('shows a suspended member as a bare, suspended actor', async () => {
    const mallory = await instance.createUser('mallory');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: mallory.token, json: { display_name: 'Mal', note: 'spam' } });
    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, mallory.accountId));
    const json = (await actor('/users/mallory')).body;
    assert.equal(json.suspended, true);
    assert.equal(json.name, 'mallory');
    assert.equal(json.summary, '');
    assert.equal(json.publicKey.owner, `${BASE}/users/mallory`);
  });

  it('serves the instance actor as an Application at /actor', async () => {
    const response = await actor('/actor');
    assert.equal(response.status, 200);
    const json = response.body;
    assert.equal(json.type, 'Application');
    assert.equal(json.id, `${BASE}/actor`);
    assert.equal(json.preferredUsername, 'subspace.test');
    assert.equal(json.inbox, `${BASE}/actor/inbox`);
    assert.equal(json.outbox, `${BASE}/actor/outbox`);
    assert.equal(json.manuallyApprovesFollowers, true);
    assert.equal(json.publicKey.id, `${BASE}/actor#main-key`);
    assert.ok((await Application.fromJsonLd(json)) instanceof Application);
    assert.equal((await actor('/actor')).body.publicKey.publicKeyPem, json.publicKey.publicKeyPem, 'its key is kept');

    for (const collection of ['outbox', 'followers', 'following', 'collections/featured', 'collections/tags']) {
      assert.equal(json[collection === 'collections/featured' ? 'featured' : collection === 'collections/tags' ? 'featuredTags' : collection], `${BASE}/actor/${collection}`);
      const response = await actor(`/actor/${collection}`);
      assert.equal(response.status, 200, collection);
      assert.equal(response.body.type, 'OrderedCollection');
      assert.equal(response.body.totalItems ?? 0, 0, `its ${collection} is empty`);
    }
  });

  it('answers 404 for unknown and pending accounts', async () => {
    assert.equal((await actor('/users/nobody')).status, 404);
    const pending = await instance.createUser('pending');
    await instance.ctx.db.update(users).set({ approved: false }).where(eq(users.id, pending.userId));
    assert.equal((await actor('/users/pending')).status, 404);
  });

  it('sends browsers from the actor to the profile page, and ActivityPub clients from the profile page to the actor', async () => {
    const html = await instance.request('GET', '/users/alice', { headers: { accept: 'text/html' } });
    assert.equal(html.status, 301);
    assert.equal(html.headers.get('location'), `${BASE}/@alice`);
    assert.equal((await instance.request('GET', '/users/nobody', { headers: { accept: 'text/html' } })).status, 404);

    const page = await instance.request('GET', '/@alice', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`<link rel="alternate" type="application/activity+json" href="${BASE}/users/alice">`));
    const back = await instance.request('GET', '/@alice', { headers: AP });
    assert.equal(back.status, 301);
    assert.equal(back.headers.get('location'), `${BASE}/users/alice`);
    assert.equal((await instance.request('GET', '/@nobody', { headers: { accept: 'text/html' } })).status, 404);
  });
});
