import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { BASE } from '../helpers/constants.ts';

describe('discovery: WebFinger, host-meta, NodeInfo', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
    const alice = await instance.createUser('alice');
    await instance.createUser('bob');
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'one' } });
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'two', visibility: 'private' } });
  });
  after(() => instance.close());

  const webfinger = (resource: string) => instance.request('GET', `/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);

  it('finds a member by acct: with Mastodon’s aliases and links', async () => {
    const response = await webfinger('acct:alice@subspace.test');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/jrd\+json/);
    assert.match(response.headers.get('cache-control')!, /max-age=259200/);
    assert.equal(response.body.subject, 'acct:alice@subspace.test');
    assert.deepEqual(response.body.aliases, [`${BASE}/@alice`, `${BASE}/users/alice`]);
    assert.deepEqual(
      response.body.links.find((link: { rel: string }) => link.rel === 'self'),
      { rel: 'self', type: 'application/activity+json', href: `${BASE}/users/alice` },
    );
    assert.deepEqual(
      response.body.links.find((link: { rel: string }) => link.rel === 'http://webfinger.net/rel/profile-page'),
      { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${BASE}/@alice` },
    );
  });

  it('finds a member by actor URL, and the username case-insensitively', async () => {
    const byUrl = await webfinger(`${BASE}/users/alice`);
    assert.equal(byUrl.status, 200);
    assert.ok(byUrl.body.aliases.includes('acct:alice@subspace.test'));
    const upper = await webfinger('acct:ALICE@subspace.test');
    assert.equal(upper.status, 200);
    assert.equal(upper.body.links.find((link: { rel: string }) => link.rel === 'self').href, `${BASE}/users/alice`);
  });

  it('finds the instance actor as acct:<domain>@<domain>', async () => {
    const response = await webfinger('acct:subspace.test@subspace.test');
    assert.equal(response.status, 200);
    assert.equal(response.body.links.find((link: { rel: string }) => link.rel === 'self').href, `${BASE}/actor`);
  });

  it('answers 404 for unknown accounts and other domains', async () => {
    assert.equal((await webfinger('acct:nobody@subspace.test')).status, 404);
    assert.equal((await webfinger('acct:alice@elsewhere.example')).status, 404);
    assert.equal((await webfinger(`${BASE}/users/nobody`)).status, 404);
  });

  it('answers 400 without a resource or with one that is not a URI', async () => {
    assert.equal((await instance.request('GET', '/.well-known/webfinger')).status, 400);
    assert.equal((await webfinger('not a uri')).status, 400);
  });

  it('serves host-meta with the lrdd template, as XRD and as JSON', async () => {
    const xml = await instance.request('GET', '/.well-known/host-meta');
    assert.equal(xml.status, 200);
    assert.match(xml.headers.get('content-type')!, /^application\/xrd\+xml/);
    assert.ok(xml.text.includes(`<Link rel="lrdd" template="${BASE}/.well-known/webfinger?resource={uri}"/>`), xml.text);
    const json = await instance.request('GET', '/.well-known/host-meta?format=json');
    assert.deepEqual(json.body, { links: [{ rel: 'lrdd', template: `${BASE}/.well-known/webfinger?resource={uri}` }] });
  });

  it('links NodeInfo 2.0 and 2.1 from /.well-known/nodeinfo', async () => {
    const response = await instance.request('GET', '/.well-known/nodeinfo');
    assert.equal(response.status, 200);
    const links = response.body.links.map((link: { rel: string; href: string }) => [link.rel, link.href]);
    assert.deepEqual(links, [
      ['http://nodeinfo.diaspora.software/ns/schema/2.0', `${BASE}/nodeinfo/2.0`],
      ['http://nodeinfo.diaspora.software/ns/schema/2.1', `${BASE}/nodeinfo/2.1`],
    ]);
  });

  it('serves NodeInfo 2.1 and 2.0 with the usage figures', async () => {
    const v21 = await instance.request('GET', '/nodeinfo/2.1');
    assert.equal(v21.status, 200);
    assert.match(v21.headers.get('content-type')!, /nodeinfo\.diaspora\.software\/ns\/schema\/2\.1/);
    assert.equal(v21.body.version, '2.1');
    assert.equal(v21.body.software.name, 'subspace');
    assert.deepEqual(v21.body.protocols, ['activitypub']);
    // bob never used his token, so only alice counts as active
    assert.deepEqual(v21.body.usage.users, { total: 2, activeMonth: 1, activeHalfyear: 1 });
    assert.equal(v21.body.usage.localPosts, 2);
    assert.equal(v21.body.openRegistrations, false);
    assert.deepEqual(v21.body.metadata, { nodeName: 'Subspace', nodeDescription: '' });

    const v20 = await instance.request('GET', '/nodeinfo/2.0');
    assert.equal(v20.status, 200);
    assert.match(v20.headers.get('content-type')!, /nodeinfo\.diaspora\.software\/ns\/schema\/2\.0/);
    assert.equal(v20.body.version, '2.0');
    assert.deepEqual(v20.body.software, { name: 'subspace', version: v21.body.software.version });
    assert.deepEqual(v20.body.usage, v21.body.usage);
  });

  it('says registrations are open when they are', async () => {
    await updateSetting(instance.ctx, 'registrations_mode', 'open');
    assert.equal((await instance.request('GET', '/nodeinfo/2.1')).body.openRegistrations, true);
  });
});
