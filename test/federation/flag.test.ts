import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { invalidateDomainPolicy } from '../../src/services/moderation/instance-domain-blocks.ts';
import { domainBlocks, follows, reports, statuses } from '../../src/db/schema.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('reports over ActivityPub: Flag in, and forwarded reports out', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let carol: TestUser;
  let bobId: string;
  let n = 0;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    carol = await instance.createUser('carol');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const id = (kind: string) => `${remote.origin}/${kind}/${++n}`;
  const post = async (activity: Record<string, unknown>) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, { '@context': AS, actor: remote.actorId, ...activity });
    assert.equal(response.status, 202, response.text);
  };
  const settled = async () => {
    await until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const localPost = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const reportsAbout = (accountId: string) => instance.ctx.db.select().from(reports).where(eq(reports.targetAccountId, accountId));

  it('records a Flag of a local account as a report by the sender, with the named statuses its server could see', async () => {
    const open = await localPost(alice, { status: 'public words', visibility: 'public' });
    const hidden = await localPost(alice, { status: 'followers only', visibility: 'private' });
    const others = await localPost(carol, { status: 'not alice', visibility: 'public' });
    const flagId = id('flags');
    await post({ id: flagId, type: 'Flag', content: 'Spam, please look', object: [`${BASE}/users/alice`, open.uri, hidden.uri, others.uri, `${remote.origin}/users/nobody`] });
    const [report] = await until(async () => {
      const rows = await reportsAbout(alice.accountId);
      return rows.length ? rows : undefined;
    }, 'the report');
    assert.equal(report!.accountId, bobId);
    assert.equal(report!.comment, 'Spam, please look');
    assert.equal(report!.uri, flagId);
    assert.equal(report!.category, 'other');
    assert.equal(report!.forwarded, false);
    assert.deepEqual(report!.statusIds.map(String), [open.id], 'only the public status of the reported account');
    assert.equal((await reportsAbout(carol.accountId)).length, 0, 'a status alone does not report its author');

    // the same Flag again is not a second report
    await post({ id: flagId, type: 'Flag', content: 'Spam, please look', object: [`${BASE}/users/alice`] });
    await settled();
    assert.equal((await reportsAbout(alice.accountId)).length, 1);
  });

  it('ignores a Flag naming no local account', async () => {
    await post({ id: id('flags'), type: 'Flag', content: 'who?', object: [remote.actorId, `${BASE}/users/nobody-here`] });
    await settled();
    assert.equal((await reportsAbout(bobId)).length, 0);
  });

  it('forwards a report of a remote account, with forward=true, as a Flag from the instance actor to its inbox', async () => {
    // bob posts something alice can see (she follows him)
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: bobId }).onConflictDoNothing();
    const noteId = `${remote.origin}/users/bob/statuses/${++n}`;
    await post({
      id: `${noteId}/activity`,
      type: 'Create',
      to: [PUBLIC],
      object: { id: noteId, type: 'Note', attributedTo: remote.actorId, to: [PUBLIC], content: '<p>buy now</p>', published: new Date().toISOString() },
    });
    const status = await until(
      () =>
        instance.ctx.db
          .select()
          .from(statuses)
          .where(eq(statuses.uri, noteId))
          .then((rows) => rows[0]),
      'bob’s status',
    );

    const made = await instance.request('POST', '/api/v1/reports', {
      token: alice.token,
      json: { account_id: bobId, status_ids: [status.id], comment: 'this is spam', category: 'spam', forward: true },
    });
    assert.equal(made.status, 200, made.text);
    assert.equal(made.body.forwarded, true);
    assert.equal(made.body.category, 'spam');
    assert.deepEqual(made.body.status_ids, [status.id]);
    assert.equal(made.body.target_account.acct, remote.handle);

    const flag = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Flag'), 'the Flag delivered');
    assert.equal(flag.path, '/users/bob/inbox');
    assert.equal(flag.body.actor, `${BASE}/actor`);
    assert.equal(flag.body.content, 'this is spam');
    assert.deepEqual(flag.body.object, [remote.actorId, noteId]);
    const [row] = await instance.ctx.db.select().from(reports).where(eq(reports.id, made.body.id));
    assert.equal(flag.body.id, row!.uri);
    assert.match(row!.uri!, /^http:\/\/subspace\.test\/[0-9a-f-]{36}$/);
    const signature = `${flag.headers['signature-input'] ?? ''} ${flag.headers.signature ?? ''}`;
    assert.ok(signature.includes(`${BASE}/actor#main-key`), signature);

    // without forward, nothing leaves
    const before = remote.delivered.length;
    const kept = await instance.request('POST', '/api/v1/reports', { token: alice.token, json: { account_id: bobId, comment: 'just us' } });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.body.forwarded, false);
    await queuesDrained(instance);
    assert.equal(remote.delivered.slice(before).filter((entry) => entry.body.type === 'Flag').length, 0);
  });

  it('drops Flags from a domain whose reports are rejected', async () => {
    await instance.ctx.db.insert(domainBlocks).values({ domain: remote.host, severity: 'noop', rejectReports: true });
    await invalidateDomainPolicy(instance.ctx);
    const before = (await reportsAbout(carol.accountId)).length;
    await post({ id: id('flags'), type: 'Flag', content: 'again', object: [`${BASE}/users/carol`] });
    await settled();
    assert.equal((await reportsAbout(carol.accountId)).length, before);
  });
});
