import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { scheduledStatuses } from '../../src/db/schema.ts';
import { publishScheduledStatus } from '../../src/jobs/default/publish-scheduled-status.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { MAX_RESOLVED_MENTIONS } from '../../src/services/statuses/text/format-status.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

/** two loopback addresses of this file's own, whose port 80 no other test file listens on */
const [REMOTE, SILENT] = [claimLoopbackAddress(), claimLoopbackAddress()];
const escaped = (text: string) => text.replace(/\./g, '\\.');
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const MENTION_LINK = (href: string, username: string) => `<span class="h-card" translate="no"><a href="${href}" class="u-url mention">@<span>${username}</span></a></span>`;

/**
 * Mentions of accounts this instance has never seen (Mastodon's ProcessMentionsService): posting
 * or editing resolves `@user@domain` through WebFinger and the actor, within a bound, before the
 * status is written. The remotes listen on port 80 of their own loopback address, so their handles
 * have no port (Mastodon's mention syntax has none).
 */
describe('mentions of remote accounts not known here', () => {
  let instance: TestInstance;
  /** REMOTE:80, where carol and the others live */
  let remote: FakeRemote;
  /** SILENT:80, which never answers WebFinger */
  let silent: FakeRemote;
  const hanging: IncomingMessage[] = [];
  /** bob, on SILENT at another port, follows alice */
  let follower: FakeRemote;
  let alice: TestUser;
  let admin: TestUser;

  before(async () => {
    remote = await startFakeRemote({ address: REMOTE, port: 80 });
    silent = await startFakeRemote({ address: SILENT, port: 80 });
    silent.route('/.well-known/webfinger', (req) => void hanging.push(req));
    follower = await startFakeRemote({ address: SILENT });
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: `${REMOTE},${SILENT}` } });
    alice = await instance.createUser('alice');
    admin = await instance.createUser('admin', { role: 'Owner', scopes: 'read write admin:read admin:write' });
    const follow = await follower.postSigned(instance.url, `${BASE}/users/alice/inbox`, {
      '@context': AS,
      id: `${follower.origin}/follows/1`,
      type: 'Follow',
      actor: follower.actorId,
      object: `${BASE}/users/alice`,
    });
    assert.equal(follow.status, 202, follow.text);
    await until(async () => follower.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept of bob’s follow');
  });
  after(async () => {
    await instance.close();
    await Promise.all([remote.close(), silent.close(), follower.close()]);
  });

  const api = async (method: string, path: string, json: unknown) => {
    const response = await instance.request(method, path, { token: alice.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };
  const deliveredTo = (server: FakeRemote, type: string, objectUri: string) =>
    until(async () => server.delivered.find((entry) => entry.body.type === type && entry.body.object?.id === objectUri), `a ${type} of ${objectUri} delivered`);

  it('a public post mentioning a never-seen account fetches it, links it and delivers the Create to it', async () => {
    const carolId = await remote.addActor('carol');
    const posted = await api('POST', '/api/v1/statuses', { status: `hello @carol@${REMOTE}, welcome` });
    assert.deepEqual(
      posted.mentions.map((mention: any) => [mention.username, mention.acct, mention.url]),
      [['carol', `carol@${REMOTE}`, carolId]],
    );
    assert.equal(posted.content, `<p>hello ${MENTION_LINK(carolId, 'carol')}, welcome</p>`);
    const account = await instance.request('GET', `/api/v1/accounts/${posted.mentions[0].id}`, { token: alice.token });
    assert.equal(account.body.acct, `carol@${REMOTE}`);

    const create = await deliveredTo(remote, 'Create', posted.uri);
    assert.ok(list(create.body.cc).includes(carolId), 'carol is addressed');
    assert.deepEqual(
      list(create.body.object.tag).map((tag: any) => [tag.type, tag.href]),
      [['Mention', carolId]],
    );
  });

  it('a post looks up at most ten never-seen accounts; the mentions beyond stay text', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `crowd${i}`);
    await Promise.all(names.map((name) => remote.addActor(name)));
    const posted = await api('POST', '/api/v1/statuses', { status: names.map((name) => `@${name}@${REMOTE}`).join(' ') });
    assert.equal(posted.mentions.length, MAX_RESOLVED_MENTIONS);
    const known = await Promise.all(names.map(async (name) => (await instance.request('GET', `/api/v1/accounts/lookup?acct=${name}@${REMOTE}`, { token: alice.token })).status));
    assert.equal(known.filter((status) => status === 200).length, MAX_RESOLVED_MENTIONS);
  });

  it('a scheduled status mentioning a never-seen account resolves it when it is published', async () => {
    const ginaId = await remote.addActor('gina');
    const scheduled = await api('POST', '/api/v1/statuses', { status: `later, @gina@${REMOTE}`, scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    assert.ok(scheduled.scheduled_at, 'scheduled');
    assert.equal(
      remote.received.some((line) => line.includes('gina')),
      false,
      'nothing fetched before it is published',
    );
    // due now: the job the scheduler enqueues publishes it
    await instance.ctx.db
      .update(scheduledStatuses)
      .set({ scheduledAt: new Date(Date.now() - 1000) })
      .where(eq(scheduledStatuses.id, scheduled.id));
    await publishScheduledStatus(instance.ctx, { scheduledStatusId: scheduled.id });
    const [published] = await api('GET', `/api/v1/accounts/${alice.accountId}/statuses?limit=1`, undefined);
    assert.equal(published.content, `<p>later, ${MENTION_LINK(ginaId, 'gina')}</p>`);
    assert.deepEqual(
      published.mentions.map((mention: any) => mention.acct),
      [`gina@${REMOTE}`],
    );
    await deliveredTo(remote, 'Create', published.uri);
  });

  it('a direct message to a never-seen account reaches it, and no one else', async () => {
    const frankId = await remote.addActor('frank');
    const before = remote.delivered.length;
    const dm = await api('POST', '/api/v1/statuses', { status: `@frank@${REMOTE} just between us`, visibility: 'direct' });
    assert.deepEqual(
      dm.mentions.map((mention: any) => mention.acct),
      [`frank@${REMOTE}`],
    );
    const create = await deliveredTo(remote, 'Create', dm.uri);
    assert.deepEqual(list(create.body.to), [frankId]);
    assert.deepEqual(list(create.body.cc), []);

    // a public post after it reaches the follower's server; by then the message would have too
    const marker = await api('POST', '/api/v1/statuses', { status: 'for everyone' });
    await deliveredTo(follower, 'Create', marker.uri);
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.default === 0 && counts.push === 0;
    }, 'the queues to drain');
    assert.equal(
      follower.delivered.some((entry) => entry.body.object?.id === dm.uri),
      false,
      'not to alice’s follower',
    );
    assert.equal(remote.delivered.slice(before).filter((entry) => entry.body.object?.id === dm.uri).length, 1, 'once, to frank');
  });

  it('a handle WebFinger does not know, or whose server does not answer in time, stays text; the post is made', async () => {
    const unknown = await api('POST', '/api/v1/statuses', { status: `hi @nobody@${REMOTE}` });
    assert.deepEqual(unknown.mentions, []);
    assert.equal(unknown.content, `<p>hi @nobody@${REMOTE}</p>`);
    assert.ok(
      remote.received.some((line) => line.startsWith(`GET /.well-known/webfinger?resource=acct%3Anobody%40${REMOTE}`)),
      'WebFinger was asked',
    );

    // the server never answers: the post is made within the bound (five seconds), its request given up
    const slow = await api('POST', '/api/v1/statuses', { status: `hi @quiet@${SILENT} and @carol@${REMOTE}` });
    assert.equal(hanging.length, 1, 'WebFinger was asked');
    assert.deepEqual(
      slow.mentions.map((mention: any) => mention.acct),
      [`carol@${REMOTE}`],
    );
    assert.match(slow.content, new RegExp(`^<p>hi @quiet@${escaped(SILENT)} and <span class="h-card"`));
    await until(async () => hanging[0]!.destroyed, 'the unanswered request to be given up');
  });

  it('a handle on a suspended domain is not fetched', async () => {
    const blocked = await instance.request('POST', '/api/v1/admin/domain_blocks', { token: admin.token, json: { domain: SILENT, severity: 'suspend' } });
    assert.equal(blocked.status, 200, blocked.text);
    const asked = silent.received.length;
    const posted = await api('POST', '/api/v1/statuses', { status: `hi @dave@${SILENT}` });
    assert.deepEqual(posted.mentions, []);
    assert.equal(posted.content, `<p>hi @dave@${SILENT}</p>`);
    assert.equal(silent.received.length, asked, 'nothing asked of the suspended domain');
  });

  it('an edit that adds a never-seen mention fetches it and sends it the Update', async () => {
    const erinId = await remote.addActor('erin');
    const posted = await api('POST', '/api/v1/statuses', { status: 'first draft' });
    assert.deepEqual(posted.mentions, []);
    const edited = await api('PUT', `/api/v1/statuses/${posted.id}`, { status: `first draft, cc @erin@${REMOTE}` });
    assert.deepEqual(
      edited.mentions.map((mention: any) => mention.acct),
      [`erin@${REMOTE}`],
    );
    assert.equal(edited.content, `<p>first draft, cc ${MENTION_LINK(erinId, 'erin')}</p>`);
    const update = await deliveredTo(remote, 'Update', posted.uri);
    assert.ok(list(update.body.cc).includes(erinId), 'erin is addressed');
  });
});

describe('mentions of remote accounts on private addresses', () => {
  let instance: TestInstance;
  let allowed: FakeRemote;
  let refused: FakeRemote;
  let alice: TestUser;

  before(async () => {
    allowed = await startFakeRemote({ address: REMOTE, port: 80 });
    refused = await startFakeRemote({ address: SILENT, port: 80 });
    await Promise.all([allowed.addActor('ida'), refused.addActor('ida')]);
    // only REMOTE may be fetched from
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: REMOTE } });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance.close();
    await Promise.all([allowed.close(), refused.close()]);
  });

  it('a handle on a private address not in ALLOWED_PRIVATE_ADDRESSES is never fetched and stays text', async () => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: `hi @ida@${SILENT} and @ida@${REMOTE}` } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(
      response.body.mentions.map((mention: any) => mention.acct),
      [`ida@${REMOTE}`],
    );
    assert.match(response.body.content, new RegExp(`^<p>hi @ida@${escaped(SILENT)} and <span class="h-card"`));
    assert.deepEqual(refused.received, [], `nothing asked of ${SILENT}`);
  });
});
