import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { blocks, markers, mentions, notifications, statuses } from '../../src/db/schema.ts';
import { notify } from '../../src/services/notifications/notify.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('notifications API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;

  async function createStatus(author: TestUser, values: Partial<typeof statuses.$inferInsert> = {}): Promise<string> {
    const [row] = await instance.ctx.db
      .insert(statuses)
      .values({ accountId: author.accountId, text: 'hello', content: '<p>hello</p>', ...values })
      .returning();
    return row!.id;
  }

  const get = (user: TestUser, path: string) => instance.request('GET', path, { token: user.token });
  const post = (user: TestUser, path: string, json?: unknown) => instance.request('POST', path, { token: user.token, json: json ?? {} });

  async function clearAll() {
    await instance.ctx.db.delete(notifications);
    await instance.ctx.db.delete(markers);
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
  });
  after(() => instance.close());

  describe('v1', () => {
    it('lists notifications newest first with the Notification entity', async () => {
      await clearAll();
      const status = await createStatus(alice, { text: 'fave me', content: '<p>fave me</p>' });
      const follow = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'follow' });
      const fav = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: carol.accountId, type: 'favourite', statusId: status });
      const res = await get(alice, '/api/v1/notifications');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.length, 2);
      const [first, second] = res.body;
      assert.equal(first.id, fav!.id);
      assert.equal(first.type, 'favourite');
      assert.equal(first.account.id, carol.accountId);
      assert.equal(first.status.id, status);
      assert.equal(first.status.content, '<p>fave me</p>');
      assert.match(first.group_key, /^favourite-/);
      assert.equal(typeof first.created_at, 'string');
      assert.equal(second.id, follow!.id);
      assert.equal(second.type, 'follow');
      assert.equal(second.status, undefined);
      assert.match(second.group_key, /^follow-/);

      const one = await get(alice, `/api/v1/notifications/${fav!.id}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.id, fav!.id);
      assert.equal((await get(bob, `/api/v1/notifications/${fav!.id}`)).status, 404);
      assert.equal((await get(alice, '/api/v1/notifications/999999')).status, 404);
    });

    it('filters by types, exclude_types and account_id', async () => {
      await clearAll();
      const status = await createStatus(alice);
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'follow' });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: carol.accountId, type: 'favourite', statusId: status });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'reblog', statusId: status });

      const types = await get(alice, '/api/v1/notifications?types[]=favourite&types[]=reblog');
      assert.deepEqual(types.body.map((n: any) => n.type).sort(), ['favourite', 'reblog']);
      const excluded = await get(alice, '/api/v1/notifications?exclude_types[]=favourite');
      assert.deepEqual(excluded.body.map((n: any) => n.type).sort(), ['follow', 'reblog']);
      const fromBob = await get(alice, `/api/v1/notifications?account_id=${bob.accountId}`);
      assert.deepEqual(fromBob.body.map((n: any) => n.type).sort(), ['follow', 'reblog']);
    });

    it('paginates with a Link header', async () => {
      await clearAll();
      const ids: string[] = [];
      for (const from of [bob, carol, dan]) {
        const n = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: from.accountId, type: 'follow' });
        ids.push(n!.id);
      }
      const page1 = await get(alice, '/api/v1/notifications?limit=2');
      assert.deepEqual(
        page1.body.map((n: any) => n.id),
        [ids[2], ids[1]],
      );
      const link = page1.headers.get('link')!;
      assert.match(link, new RegExp(`max_id=${ids[1]}>; rel="next"`));
      assert.match(link, new RegExp(`min_id=${ids[2]}>; rel="prev"`));
      assert.match(link, /limit=2/);
      const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
      const page2 = await get(alice, new URL(next).pathname + new URL(next).search);
      assert.deepEqual(
        page2.body.map((n: any) => n.id),
        [ids[0]],
      );
      const up = await get(alice, `/api/v1/notifications?min_id=${ids[0]}&limit=1`);
      assert.deepEqual(
        up.body.map((n: any) => n.id),
        [ids[1]],
      );
    });

    it('drops notifications about statuses gone or from blocked accounts', async () => {
      await clearAll();
      const gone = await createStatus(alice);
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: carol.accountId, type: 'favourite', statusId: gone });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'follow' });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: dan.accountId, type: 'follow' });
      await instance.ctx.db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, gone));
      await instance.ctx.db.insert(blocks).values({ accountId: alice.accountId, targetAccountId: dan.accountId });
      try {
        const res = await get(alice, '/api/v1/notifications');
        assert.deepEqual(
          res.body.map((n: any) => [n.type, n.account.id]),
          [['follow', bob.accountId]],
        );
      } finally {
        await instance.ctx.db.delete(blocks);
      }
    });

    it('shows mentions of direct statuses to the mentioned account', async () => {
      await clearAll();
      const dm = await createStatus(bob, { visibility: 'direct', text: '@alice psst', content: '<p>@alice psst</p>' });
      await instance.ctx.db.insert(mentions).values({ statusId: dm, accountId: alice.accountId });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'mention', statusId: dm });
      const res = await get(alice, '/api/v1/notifications');
      assert.equal(res.body.length, 1);
      assert.equal(res.body[0].status.id, dm);
      assert.equal(res.body[0].status.visibility, 'direct');
      assert.equal(res.body[0].group_key, `ungrouped-${res.body[0].id}`);
    });

    it('dismisses one and clears all', async () => {
      await clearAll();
      const a = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'follow' });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: carol.accountId, type: 'follow' });
      assert.equal((await post(bob, `/api/v1/notifications/${a!.id}/dismiss`)).status, 404);
      const dismissed = await post(alice, `/api/v1/notifications/${a!.id}/dismiss`);
      assert.equal(dismissed.status, 200);
      assert.deepEqual(dismissed.body, {});
      assert.equal((await get(alice, '/api/v1/notifications')).body.length, 1);
      const cleared = await post(alice, '/api/v1/notifications/clear');
      assert.equal(cleared.status, 200);
      assert.deepEqual((await get(alice, '/api/v1/notifications')).body, []);
    });

    it('counts unread notifications since the notifications marker', async () => {
      await clearAll();
      const ids: string[] = [];
      for (const from of [bob, carol, dan]) ids.push((await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: from.accountId, type: 'follow' }))!.id);
      assert.deepEqual((await get(alice, '/api/v1/notifications/unread_count')).body, { count: 3 });
      const marked = await post(alice, '/api/v1/markers', { notifications: { last_read_id: ids[0] } });
      assert.equal(marked.status, 200, marked.text);
      assert.deepEqual((await get(alice, '/api/v1/notifications/unread_count')).body, { count: 2 });
      assert.deepEqual((await get(alice, '/api/v1/notifications/unread_count?limit=1')).body, { count: 1 });
      assert.deepEqual((await get(alice, '/api/v2/notifications/unread_count')).body, { count: 1 }, 'the two follows are one group');
    });

    it('needs a token with read:notifications', async () => {
      assert.equal((await instance.request('GET', '/api/v1/notifications')).status, 401);
      const limited = await instance.createUser('limited', { scopes: 'read:accounts' });
      const res = await get(limited, '/api/v1/notifications');
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'This action is outside the authorized scopes');
    });
  });

  describe('v2 grouped', () => {
    it('groups favourites of one status with sample accounts and counts', async () => {
      await clearAll();
      const status = await createStatus(alice);
      const follow = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: dan.accountId, type: 'follow' });
      await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'favourite', statusId: status });
      const latest = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: carol.accountId, type: 'favourite', statusId: status });
      const dm = await createStatus(bob, { visibility: 'direct' });
      await instance.ctx.db.insert(mentions).values({ statusId: dm, accountId: alice.accountId });
      const mention = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'mention', statusId: dm });

      const res = await get(alice, '/api/v2/notifications');
      assert.equal(res.status, 200, res.text);
      const groups = res.body.notification_groups;
      assert.equal(groups.length, 3);
      assert.equal(groups[0].group_key, `ungrouped-${mention!.id}`);
      assert.equal(groups[0].type, 'mention');
      assert.equal(groups[0].status_id, dm);
      assert.equal(groups[0].notifications_count, 1);

      const favs = groups[1];
      assert.equal(favs.type, 'favourite');
      assert.match(favs.group_key, new RegExp(`^favourite-${status}-`));
      assert.equal(favs.notifications_count, 2);
      assert.equal(favs.most_recent_notification_id, latest!.id);
      assert.equal(favs.page_max_id, latest!.id);
      assert.deepEqual(favs.sample_account_ids, [carol.accountId, bob.accountId]);
      assert.equal(favs.status_id, status);
      assert.equal(typeof favs.latest_page_notification_at, 'string');

      assert.equal(groups[2].type, 'follow');
      assert.equal(groups[2].most_recent_notification_id, follow!.id);
      assert.equal(groups[2].status_id, undefined);

      assert.deepEqual(res.body.accounts.map((a: any) => a.id).sort(), [bob.accountId, carol.accountId, dan.accountId].sort());
      assert.deepEqual(res.body.statuses.map((s: any) => s.id).sort(), [status, dm].sort());

      const partial = await get(alice, '/api/v2/notifications?expand_accounts=partial_avatars');
      assert.deepEqual(partial.body.accounts.map((a: any) => a.id).sort(), [bob.accountId, carol.accountId, dan.accountId].sort(), "each group's newest account in full");
      assert.deepEqual(partial.body.partial_accounts, []);

      const ungroupedFavs = await get(alice, '/api/v2/notifications?grouped_types[]=follow');
      assert.equal(ungroupedFavs.body.notification_groups.length, 4);

      const onlyFavs = await get(alice, '/api/v2/notifications?types[]=favourite');
      assert.equal(onlyFavs.body.notification_groups.length, 1);

      const one = await get(alice, `/api/v2/notifications/${encodeURIComponent(favs.group_key)}`);
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.notification_groups[0].notifications_count, 2);
      const accounts = await get(alice, `/api/v2/notifications/${encodeURIComponent(favs.group_key)}/accounts`);
      assert.deepEqual(
        accounts.body.map((a: any) => a.id),
        [carol.accountId, bob.accountId],
      );
      assert.equal((await get(bob, `/api/v2/notifications/${encodeURIComponent(favs.group_key)}`)).status, 404);

      const dismissed = await post(alice, `/api/v2/notifications/${encodeURIComponent(favs.group_key)}/dismiss`);
      assert.equal(dismissed.status, 200);
      const after = await get(alice, '/api/v2/notifications');
      assert.deepEqual(
        after.body.notification_groups.map((g: any) => g.type),
        ['mention', 'follow'],
      );
      const dismissUngrouped = await post(alice, `/api/v2/notifications/ungrouped-${mention!.id}/dismiss`);
      assert.equal(dismissUngrouped.status, 200);
      assert.deepEqual(
        (await get(alice, '/api/v2/notifications')).body.notification_groups.map((g: any) => g.type),
        ['follow'],
      );
    });

    it('paginates groups', async () => {
      await clearAll();
      const s1 = await createStatus(alice);
      const s2 = await createStatus(alice);
      const first = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'favourite', statusId: s1 });
      const second = await notify(instance.ctx, { recipientId: alice.accountId, fromAccountId: bob.accountId, type: 'favourite', statusId: s2 });
      const page = await get(alice, '/api/v2/notifications?limit=1');
      assert.equal(page.body.notification_groups.length, 1);
      assert.equal(page.body.notification_groups[0].status_id, s2);
      assert.match(page.headers.get('link')!, new RegExp(`max_id=${second!.id}>; rel="next"`));
      const next = await get(alice, `/api/v2/notifications?limit=1&max_id=${second!.id}`);
      assert.equal(next.body.notification_groups[0].most_recent_notification_id, first!.id);
      const empty = await get(alice, `/api/v2/notifications?max_id=${first!.id}`);
      assert.deepEqual(empty.body, { accounts: [], statuses: [], notification_groups: [] });
    });

    it('answers and updates the notification policy', async () => {
      const v2 = await get(alice, '/api/v2/notifications/policy');
      assert.equal(v2.status, 200);
      assert.deepEqual(v2.body, {
        for_not_following: 'accept',
        for_not_followers: 'accept',
        for_new_accounts: 'accept',
        for_private_mentions: 'accept',
        for_limited_accounts: 'accept',
        summary: { pending_requests_count: 0, pending_notifications_count: 0 },
      });
      const updated = await instance.request('PATCH', '/api/v2/notifications/policy', { token: alice.token, json: { for_new_accounts: 'filter' } });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.for_new_accounts, 'filter');
      assert.equal((await get(alice, '/api/v2/notifications/policy')).body.for_new_accounts, 'filter');
      const bad = await instance.request('PATCH', '/api/v2/notifications/policy', { token: alice.token, json: { for_new_accounts: 'maybe' } });
      assert.equal(bad.status, 422);

      const v1 = await get(alice, '/api/v1/notifications/policy');
      assert.equal(v1.body.filter_new_accounts, true);
      assert.equal(v1.body.filter_not_following, false);
      const v1Updated = await instance.request('PUT', '/api/v1/notifications/policy', { token: alice.token, json: { filter_new_accounts: false, filter_not_following: true } });
      assert.equal(v1Updated.body.filter_new_accounts, false);
      assert.equal(v1Updated.body.filter_not_following, true);
      assert.equal((await get(alice, '/api/v2/notifications/policy')).body.for_not_following, 'filter');
      assert.deepEqual((await get(alice, '/api/v1/notifications/requests')).body, []);
    });
  });

  describe('markers', () => {
    it('round-trips markers with a version', async () => {
      await instance.ctx.db.delete(markers);
      assert.deepEqual((await get(bob, '/api/v1/markers?timeline[]=home&timeline[]=notifications')).body, {});
      const created = await instance.request('POST', '/api/v1/markers', { token: bob.token, form: { 'home[last_read_id]': '103206604258487607' } });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.home.last_read_id, '103206604258487607');
      assert.equal(created.body.home.version, 0);
      assert.equal(typeof created.body.home.updated_at, 'string');
      assert.equal(created.body.notifications, undefined);

      const updated = await post(bob, '/api/v1/markers', { home: { last_read_id: '103206604258487608' }, notifications: { last_read_id: '5' } });
      assert.equal(updated.body.home.version, 1);
      assert.equal(updated.body.notifications.version, 0);
      const same = await post(bob, '/api/v1/markers', { home: { last_read_id: '103206604258487608' } });
      assert.equal(same.body.home.version, 1, 'an unchanged marker keeps its version');

      const both = await get(bob, '/api/v1/markers?timeline[]=home&timeline[]=notifications');
      assert.equal(both.body.home.last_read_id, '103206604258487608');
      assert.equal(both.body.notifications.last_read_id, '5');
      const one = await get(bob, '/api/v1/markers?timeline[]=notifications');
      assert.deepEqual(Object.keys(one.body), ['notifications']);
      assert.deepEqual((await get(alice, '/api/v1/markers?timeline[]=home')).body, {});

      const bad = await post(bob, '/api/v1/markers', { home: { last_read_id: '' } });
      assert.equal(bad.status, 422);
    });
  });
});
