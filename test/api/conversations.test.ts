import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accountConversations, mentions, statuses } from '../../src/db/schema.ts';
import { removeFromConversations, updateConversations } from '../../src/services/statuses/conversations.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';

describe('conversations API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let remote: string;

  async function direct(author: string, mentioned: string[], values: Partial<typeof statuses.$inferInsert> = {}) {
    const [row] = await instance.ctx.db
      .insert(statuses)
      .values({ accountId: author, visibility: 'direct', text: 'psst', content: '<p>psst</p>', ...values })
      .returning();
    for (const accountId of mentioned) await instance.ctx.db.insert(mentions).values({ statusId: row!.id, accountId });
    await updateConversations(instance.ctx, row!);
    const [reloaded] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, row!.id));
    return reloaded!;
  }

  const call = (method: string, user: TestUser, path: string) => instance.request(method, path, { token: user.token });

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    const row = await fabricateRemoteAccount(instance.ctx, { username: 'zed' });
    remote = row!.id;
  });
  after(() => instance.close());

  it('files direct statuses for each local participant', async () => {
    const first = await direct(alice.accountId, [bob.accountId, remote]);
    assert.ok(first.conversationId, 'a thread is started');

    const bobs = await call('GET', bob, '/api/v1/conversations');
    assert.equal(bobs.status, 200, bobs.text);
    assert.equal(bobs.body.length, 1);
    assert.equal(bobs.body[0].unread, true);
    assert.deepEqual(bobs.body[0].accounts.map((a: any) => a.id).sort(), [alice.accountId, remote].sort());
    assert.equal(bobs.body[0].last_status.id, first.id);
    assert.equal(bobs.body[0].last_status.visibility, 'direct');

    const alices = await call('GET', alice, '/api/v1/conversations');
    assert.equal(alices.body.length, 1);
    assert.equal(alices.body[0].unread, false, 'the author has read their own status');
    assert.deepEqual(alices.body[0].accounts.map((a: any) => a.id).sort(), [bob.accountId, remote].sort());
    assert.deepEqual((await call('GET', carol, '/api/v1/conversations')).body, []);

    // bob answers in the same thread; alice's conversation moves on and is unread
    const reply = await direct(bob.accountId, [alice.accountId], { conversationId: first.conversationId, inReplyToId: first.id });
    const [row] = await instance.ctx.db.select().from(accountConversations).where(eq(accountConversations.accountId, alice.accountId));
    assert.deepEqual(row!.statusIds, [first.id, reply.id]);
    assert.equal(row!.lastStatusId, reply.id);
    const again = await call('GET', alice, '/api/v1/conversations');
    assert.equal(again.body.length, 1);
    assert.equal(again.body[0].unread, true);
    assert.equal(again.body[0].last_status.id, reply.id);
    await updateConversations(instance.ctx, reply);
    assert.equal((await instance.ctx.db.select().from(accountConversations).where(eq(accountConversations.accountId, alice.accountId)))[0]!.statusIds.length, 2, 'filing twice changes nothing');

    // public statuses are not conversations
    const pub = await fabricateStatus(instance.ctx, alice.accountId);
    await updateConversations(instance.ctx, pub!);
    assert.equal((await call('GET', alice, '/api/v1/conversations')).body.length, 1);
  });

  it('marks read and unread, paginates and deletes', async () => {
    const convo = (await call('GET', alice, '/api/v1/conversations')).body[0];
    const read = await call('POST', alice, `/api/v1/conversations/${convo.id}/read`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.unread, false);
    assert.equal(read.body.id, convo.id);
    const unread = await call('POST', alice, `/api/v1/conversations/${convo.id}/unread`);
    assert.equal(unread.body.unread, true);
    assert.equal((await call('POST', bob, `/api/v1/conversations/${convo.id}/read`)).status, 404);

    const other = await direct(carol.accountId, [alice.accountId]);
    const page = await call('GET', alice, '/api/v1/conversations?limit=1');
    assert.equal(page.body.length, 1);
    assert.equal(page.body[0].last_status.id, other.id);
    assert.match(page.headers.get('link')!, new RegExp(`max_id=${other.id}>; rel="next"`));
    const next = await call('GET', alice, `/api/v1/conversations?limit=1&max_id=${other.id}`);
    assert.equal(next.body[0].id, convo.id);

    assert.equal((await call('DELETE', bob, `/api/v1/conversations/${convo.id}`)).status, 404);
    const deleted = await call('DELETE', alice, `/api/v1/conversations/${convo.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    assert.deepEqual(
      (await call('GET', alice, '/api/v1/conversations')).body.map((c: any) => c.last_status.id),
      [other.id],
    );
    assert.equal((await call('GET', bob, '/api/v1/conversations')).body.length, 1, 'others keep theirs');
  });

  it('shows the newest status left when the last one was deleted', async () => {
    const first = await direct(bob.accountId, [carol.accountId]);
    const second = await direct(carol.accountId, [bob.accountId], { conversationId: first.conversationId });
    await instance.ctx.db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, second.id));
    const convo = (await call('GET', bob, '/api/v1/conversations')).body.find((c: any) => c.last_status?.id === first.id);
    assert.ok(convo, 'the first status stands in');
  });

  it('takes deleted statuses out of conversations', async () => {
    const only = await direct(alice.accountId, [carol.accountId]);
    const before = (await call('GET', carol, '/api/v1/conversations')).body.length;
    await removeFromConversations(instance.ctx, only.id);
    assert.equal((await call('GET', carol, '/api/v1/conversations')).body.length, before - 1);
  });
});
