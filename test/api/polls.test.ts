import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { blocks, follows, notifications, pollVotes, polls, statuses } from '../../src/db/schema.ts';
import { notifyPollExpiration } from '../../src/jobs/default/poll-expiration-notify.ts';
import { scheduleDueStatuses } from '../../src/jobs/scheduler/scheduled-statuses-scheduler.ts';
import { loadAuthor, postStatus, type PostStatusInput } from '../../src/services/statuses/post-status.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

describe('polls API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;

  async function postPoll(user: TestUser, poll: { options: string[]; multiple?: boolean; hideTotals?: boolean }, extra: PostStatusInput = {}) {
    const author = await loadAuthor(instance.ctx, user.accountId);
    const result = await postStatus(instance.ctx, author!, { text: 'which?', poll: { expiresIn: 3600, ...poll }, ...extra });
    assert.equal(result.kind, 'status');
    const status = result.kind === 'status' ? result.status : undefined;
    return { statusId: status!.id, pollId: status!.pollId! };
  }

  const vote = (user: TestUser, pollId: string, choices: unknown) => instance.request('POST', `/api/v1/polls/${pollId}/votes`, { token: user.token, json: { choices } });

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
  });
  after(() => instance.close());

  it('shows a poll of a visible status, and 404 otherwise', async () => {
    const { pollId } = await postPoll(alice, { options: ['a', 'b'] });
    const res = await instance.request('GET', `/api/v1/polls/${pollId}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, pollId);
    assert.equal(res.body.expired, false);
    assert.equal(res.body.multiple, false);
    assert.equal(res.body.votes_count, 0);
    assert.equal(res.body.voters_count, null);
    assert.deepEqual(res.body.options, [
      { title: 'a', votes_count: 0 },
      { title: 'b', votes_count: 0 },
    ]);
    assert.equal(res.body.voted, undefined, 'no viewer, no voted');
    const mine = await instance.request('GET', `/api/v1/polls/${pollId}`, { token: bob.token });
    assert.equal(mine.body.voted, false);
    assert.deepEqual(mine.body.own_votes, []);

    const priv = await postPoll(alice, { options: ['x', 'y'] }, { visibility: 'private' });
    assert.equal((await instance.request('GET', `/api/v1/polls/${priv.pollId}`, { token: bob.token })).status, 404);
    assert.equal((await vote(bob, priv.pollId, [0])).status, 404);
    assert.equal((await instance.request('GET', '/api/v1/polls/12345')).status, 404);
  });

  it('counts a single-choice vote once, and refuses a second one', async () => {
    const { pollId } = await postPoll(alice, { options: ['a', 'b', 'c'] });
    const res = await vote(bob, pollId, ['1']);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.voted, true);
    assert.deepEqual(res.body.own_votes, [1]);
    assert.equal(res.body.votes_count, 1);
    assert.deepEqual(
      res.body.options.map((o: { votes_count: number }) => o.votes_count),
      [0, 1, 0],
    );

    const again = await vote(bob, pollId, [2]);
    assert.equal(again.status, 422);
    assert.equal(again.body.error, 'Validation failed: You have already voted on this poll');
    const two = await vote(carol, pollId, [0, 2]);
    assert.equal(two.status, 422, 'one choice only');
    assert.equal(two.body.error, 'Validation failed: You have already voted on this poll');
    const [row] = await instance.ctx.db.select().from(polls).where(eq(polls.id, pollId));
    assert.deepEqual(row!.cachedTallies, [0, 1, 0], 'a refused vote leaves nothing behind');

    const bad = await vote(carol, pollId, [3]);
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error, 'Validation failed: The chosen vote option does not exist');
    assert.equal((await vote(carol, pollId, ['x'])).status, 422);
    const own = await vote(alice, pollId, [0]);
    assert.equal(own.status, 422);
    assert.equal(own.body.error, 'Validation failed: You cannot vote in your own polls');

    const form = await instance.request('POST', `/api/v1/polls/${pollId}/votes`, { token: carol.token, form: { 'choices[]': '2' } });
    assert.equal(form.status, 200, form.text);
    assert.deepEqual(form.body.own_votes, [2]);
    assert.equal(form.body.votes_count, 2);
    const author = await instance.request('GET', `/api/v1/polls/${pollId}`, { token: alice.token });
    assert.equal(author.body.voted, true, 'the author counts as having voted');
  });

  it('counts multiple choices and voters, concurrently', async () => {
    const { pollId, statusId } = await postPoll(alice, { options: ['a', 'b', 'c'], multiple: true });
    const results = await Promise.all([vote(bob, pollId, [0, 2]), vote(carol, pollId, [0]), vote(dan, pollId, [1, 2])]);
    for (const res of results) assert.equal(res.status, 200, res.text);
    const res = await instance.request('GET', `/api/v1/polls/${pollId}`, { token: bob.token });
    assert.equal(res.body.votes_count, 5);
    assert.equal(res.body.voters_count, 3);
    assert.deepEqual(
      res.body.options.map((o: { votes_count: number }) => o.votes_count),
      [2, 1, 2],
    );
    assert.deepEqual(res.body.own_votes, [0, 2]);
    const dup = await vote(bob, pollId, [1, 1]);
    assert.equal(dup.status, 422, 'the same option twice');
    const more = await vote(bob, pollId, [1]);
    assert.equal(more.status, 200, 'another option later is fine in a multiple-choice poll');
    assert.equal(more.body.voters_count, 3);
    const status = await instance.request('GET', `/api/v1/polls/${pollId}`, { token: carol.token });
    assert.equal(status.body.votes_count, 6);
    const [row] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, statusId));
    assert.equal(row!.pollId, pollId);
  });

  it('hides totals until the end, except from the author', async () => {
    const { pollId } = await postPoll(alice, { options: ['a', 'b'], hideTotals: true });
    const res = await vote(bob, pollId, [0]);
    assert.deepEqual(
      res.body.options.map((o: { votes_count: number | null }) => o.votes_count),
      [null, null],
    );
    const author = await instance.request('GET', `/api/v1/polls/${pollId}`, { token: alice.token });
    assert.deepEqual(
      author.body.options.map((o: { votes_count: number | null }) => o.votes_count),
      [1, 0],
    );
  });

  it('refuses votes on ended polls and from members who block the author', async () => {
    const { pollId } = await postPoll(alice, { options: ['a', 'b'] });
    await instance.ctx.db.insert(blocks).values({ accountId: dan.accountId, targetAccountId: alice.accountId });
    try {
      const blocked = await vote(dan, pollId, [0]);
      assert.equal(blocked.status, 403);
    } finally {
      await instance.ctx.db.delete(blocks).where(eq(blocks.accountId, dan.accountId));
    }
    await instance.ctx.db
      .update(polls)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(polls.id, pollId));
    const late = await vote(bob, pollId, [0]);
    assert.equal(late.status, 422);
    assert.equal(late.body.error, 'Validation failed: The poll has already ended');
    const shown = await instance.request('GET', `/api/v1/polls/${pollId}`);
    assert.equal(shown.body.expired, true);
  });

  it('tells voters and the author when a poll ends, once', async () => {
    const { pollId, statusId } = await postPoll(alice, { options: ['a', 'b'] }, { visibility: 'private' });
    await instance.ctx.db.insert(follows).values([
      { accountId: bob.accountId, targetAccountId: alice.accountId },
      { accountId: carol.accountId, targetAccountId: alice.accountId },
    ]);
    assert.equal((await vote(bob, pollId, [0])).status, 200);
    assert.equal((await vote(carol, pollId, [1])).status, 200);

    const pollNotifications = () =>
      instance.ctx.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.type, 'poll'), eq(notifications.statusId, statusId)));

    // not ended yet: nothing happens
    await notifyPollExpiration(instance.ctx, { pollId });
    assert.equal((await pollNotifications()).length, 0);

    await instance.ctx.db
      .update(polls)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(polls.id, pollId));
    await notifyPollExpiration(instance.ctx, { pollId });
    const rows = await pollNotifications();
    assert.deepEqual(rows.map((row) => row.accountId).sort(), [alice.accountId, bob.accountId, carol.accountId].sort());
    assert.ok(rows.every((row) => row.fromAccountId === alice.accountId));
    const [row] = await instance.ctx.db.select().from(polls).where(eq(polls.id, pollId));
    assert.ok(row!.expiryNotifiedAt);

    await instance.ctx.db.update(polls).set({ expiryNotifiedAt: null }).where(eq(polls.id, pollId));
    await notifyPollExpiration(instance.ctx, { pollId });
    assert.equal((await pollNotifications()).length, 3, 'a second run notifies no one twice');
  });

  it('the scheduler tick finds ended polls and the worker announces them', async () => {
    const { pollId, statusId } = await postPoll(alice, { options: ['a', 'b'] });
    assert.equal((await vote(dan, pollId, [1])).status, 200);
    await instance.ctx.db
      .update(polls)
      .set({ expiresAt: new Date(Date.now() + 200) })
      .where(eq(polls.id, pollId));
    await scheduleDueStatuses(instance.ctx);
    await until(async () => {
      const [row] = await instance.ctx.db.select().from(polls).where(eq(polls.id, pollId));
      return !!row!.expiryNotifiedAt;
    }, 'the poll expiry job');
    const rows = await instance.ctx.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.type, 'poll'), eq(notifications.statusId, statusId)));
    assert.deepEqual(rows.map((row) => row.accountId).sort(), [alice.accountId, dan.accountId].sort());
    const votes = await instance.ctx.db.select().from(pollVotes).where(eq(pollVotes.pollId, pollId));
    assert.equal(votes.length, 1);
  });
});
