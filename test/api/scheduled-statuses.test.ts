import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, isNull } from 'drizzle-orm';
import { scheduledStatuses, statuses } from '../../src/db/schema.ts';
import { publishScheduledStatus } from '../../src/jobs/default/publish-scheduled-status.ts';
import { scheduleDueStatuses } from '../../src/jobs/scheduler/scheduled-statuses-scheduler.ts';
import { loadAuthor, postStatus, type PostStatusInput } from '../../src/services/statuses/post-status.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

describe('scheduled statuses API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  async function schedule(user: TestUser, input: PostStatusInput): Promise<string> {
    const author = await loadAuthor(instance.ctx, user.accountId);
    const result = await postStatus(instance.ctx, author!, { scheduledAt: inMinutes(60), ...input });
    assert.equal(result.kind, 'scheduled');
    return result.kind === 'scheduled' ? result.scheduled.id : '';
  }

  async function publishedBy(user: TestUser, text: string) {
    return instance.ctx.db
      .select()
      .from(statuses)
      .where(and(eq(statuses.accountId, user.accountId), eq(statuses.text, text), isNull(statuses.deletedAt)));
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(() => instance.close());

  it('lists, shows, moves and cancels the member’s own scheduled statuses', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await schedule(alice, { text: `later ${i}`, visibility: 'unlisted' }));
    const list = await instance.request('GET', '/api/v1/scheduled_statuses', { token: alice.token });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.map((s: { id: string }) => s.id),
      [...ids].reverse(),
    );
    const entity = list.body[0];
    assert.equal(typeof entity.scheduled_at, 'string');
    assert.equal(entity.params.text, 'later 2');
    assert.equal(entity.params.visibility, 'unlisted');
    assert.equal('application_id' in entity.params, false);
    assert.deepEqual(entity.media_attachments, []);

    const page = await instance.request('GET', '/api/v1/scheduled_statuses?limit=2', { token: alice.token });
    assert.equal(page.body.length, 2);
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link')!)![1]!;
    const rest = await instance.request('GET', new URL(next).pathname + new URL(next).search, { token: alice.token });
    assert.deepEqual(
      rest.body.map((s: { id: string }) => s.id),
      [ids[0]],
    );

    assert.deepEqual((await instance.request('GET', '/api/v1/scheduled_statuses', { token: bob.token })).body, []);
    assert.equal((await instance.request('GET', `/api/v1/scheduled_statuses/${ids[0]}`, { token: bob.token })).status, 404);
    const one = await instance.request('GET', `/api/v1/scheduled_statuses/${ids[0]}`, { token: alice.token });
    assert.equal(one.status, 200);
    assert.equal(one.body.id, ids[0]);

    const at = inMinutes(120);
    const moved = await instance.request('PUT', `/api/v1/scheduled_statuses/${ids[0]}`, { token: alice.token, json: { scheduled_at: at } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.scheduled_at, at);
    const soon = await instance.request('PUT', `/api/v1/scheduled_statuses/${ids[0]}`, { token: alice.token, json: { scheduled_at: inMinutes(2) } });
    assert.equal(soon.status, 422);
    assert.match(soon.body.error, /^Validation failed: /);
    const notMine = await instance.request('PUT', `/api/v1/scheduled_statuses/${ids[0]}`, { token: bob.token, json: { scheduled_at: inMinutes(30) } });
    assert.equal(notMine.status, 404);

    assert.equal((await instance.request('DELETE', `/api/v1/scheduled_statuses/${ids[1]}`, { token: bob.token })).status, 404);
    const deleted = await instance.request('DELETE', `/api/v1/scheduled_statuses/${ids[1]}`, { token: alice.token });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    assert.equal((await instance.request('GET', `/api/v1/scheduled_statuses/${ids[1]}`, { token: alice.token })).status, 404);
    assert.equal((await instance.request('GET', '/api/v1/scheduled_statuses')).status, 401);
  });

  it('publishes a due scheduled status once, as its author', async () => {
    const id = await schedule(alice, { text: 'from the past', visibility: 'unlisted', spoilerText: 'cw' });
    // not due yet: the job leaves it
    await publishScheduledStatus(instance.ctx, { scheduledStatusId: id });
    assert.equal((await publishedBy(alice, 'from the past')).length, 0);

    await instance.ctx.db
      .update(scheduledStatuses)
      .set({ scheduledAt: new Date(Date.now() - 1000) })
      .where(eq(scheduledStatuses.id, id));
    await Promise.all([publishScheduledStatus(instance.ctx, { scheduledStatusId: id }), publishScheduledStatus(instance.ctx, { scheduledStatusId: id })]);
    const rows = await publishedBy(alice, 'from the past');
    assert.equal(rows.length, 1, 'published exactly once');
    assert.equal(rows[0]!.visibility, 'unlisted');
    assert.equal(rows[0]!.spoilerText, 'cw');
    assert.equal((await instance.ctx.db.select().from(scheduledStatuses).where(eq(scheduledStatuses.id, id))).length, 0);
    await publishScheduledStatus(instance.ctx, { scheduledStatusId: id });
    assert.equal((await publishedBy(alice, 'from the past')).length, 1, 'a rerun does nothing');
  });

  it('the scheduler tick enqueues statuses coming due and the worker publishes them', async () => {
    const id = await schedule(bob, { text: 'right on time', poll: { options: ['yes', 'no'], expiresIn: 600 } });
    const later = await schedule(bob, { text: 'much later' });
    await instance.ctx.db
      .update(scheduledStatuses)
      .set({ scheduledAt: new Date(Date.now() + 300) })
      .where(eq(scheduledStatuses.id, id));
    await scheduleDueStatuses(instance.ctx);
    await scheduleDueStatuses(instance.ctx);
    await until(async () => (await publishedBy(bob, 'right on time')).length > 0, 'the scheduled status');
    const [row] = await publishedBy(bob, 'right on time');
    assert.ok(row!.pollId, 'with its poll');
    assert.ok(row!.createdAt.getTime() >= Date.now() - 10_000);
    // every job has run but the poll's expiry, delayed by ten minutes: a second publishing would have run too
    await until(async () => (await instance.ctx.queue.counts()).default === 1, 'only the poll’s expiry to be left in the queue');
    assert.equal((await publishedBy(bob, 'right on time')).length, 1);
    assert.equal((await instance.ctx.db.select().from(scheduledStatuses).where(eq(scheduledStatuses.id, later))).length, 1, 'not yet due');
  });
});
