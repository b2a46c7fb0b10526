import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { channels, publishToStream } from '../../src/streaming/channels.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { openWebSocket, untilListening, type StreamClient } from '../helpers/stream-clients.ts';
import { waitFor } from '../helpers/process.ts';

interface Notification {
  id: string;
  type: string;
  account: { id: string };
  status?: { id: string };
}

interface NotificationRequest {
  id: string;
  created_at: string;
  updated_at: string;
  notifications_count: string;
  account: { id: string; acct: string };
  last_status: { id: string; content: string } | null;
}

describe('notification requests: what a filtering policy holds back', () => {
  let instance: TestInstance;
  let carol: TestUser;
  let alice: TestUser;
  const clients: StreamClient[] = [];

  const get = (user: TestUser, path: string) => instance.request('GET', path, { token: user.token });
  const post = (user: TestUser, path: string, json: unknown = {}) => instance.request('POST', path, { token: user.token, json });
  const mention = async (from: TestUser, text: string, extra: Record<string, unknown> = {}) => {
    const res = await post(from, '/api/v1/statuses', { status: `@carol ${text}`, ...extra });
    assert.equal(res.status, 200, res.text);
    const id = res.body.id as string;
    // the Distribution job notifies too (once): let it pass, so that nothing it does comes after the test's next step
    await waitFor('the post distributed', async () => (((await get(from, '/api/v1/timelines/home')).body as { id: string }[]).some((s) => s.id === id) ? true : undefined));
    return id;
  };
  /** carol's notifications (v1) from one account, filtered ones included: proof they were made */
  const heldFrom = async (user: TestUser) => (await get(carol, `/api/v1/notifications?include_filtered=true&account_id=${user.accountId}`)).body as Notification[];
  const visibleIds = async () => ((await get(carol, '/api/v1/notifications')).body as Notification[]).map((n) => n.id);
  const requestFrom = async (user: TestUser) =>
    waitFor(`a request from ${user.username}`, async () => ((await get(carol, '/api/v1/notifications/requests')).body as NotificationRequest[]).find((r) => r.account.id === user.accountId));

  before(async () => {
    instance = await startInstance();
    [carol, alice] = await Promise.all(['carol', 'alice'].map((name) => instance.createUser(name)));
    const follow = await post(carol, `/api/v1/accounts/${alice.accountId}/follow`);
    assert.equal(follow.status, 200, follow.text);
    const policy = await instance.request('PATCH', '/api/v2/notifications/policy', { token: carol.token, json: { for_not_following: 'filter' } });
    assert.equal(policy.status, 200, policy.text);
  });
  after(async () => {
    for (const client of clients) client.close();
    await instance.close();
  });

  it('holds mentions from accounts carol does not follow in one request per sender, out of v1 and v2 lists and the stream', async () => {
    const dave = await instance.createUser('dave');
    const stream = await openWebSocket(instance.url, { token: carol.token, stream: 'user:notification' });
    clients.push(stream);
    await untilListening(stream, (probe) => publishToStream(instance.ctx, channels.notifications(carol.accountId), 'delete', probe));

    const first = await mention(dave, 'hello from a stranger');
    const second = await mention(dave, 'hello again');
    const friendly = await mention(alice, 'from someone you follow');
    await stream.next((event) => event.event === 'notification' && (event.payload as Notification).status?.id === friendly);
    assert.ok(!stream.events.some((event) => event.event === 'notification' && (event.payload as Notification).account.id === dave.accountId), 'held notifications are not streamed');

    const held = await waitFor('both mentions held', async () => {
      const found = await heldFrom(dave);
      return found.length === 2 ? found : undefined;
    });
    assert.deepEqual(
      held.map((n) => n.status?.id),
      [second, first],
    );
    const visible = await visibleIds();
    assert.ok(!visible.some((id) => held.some((n) => n.id === id)), 'not in /api/v1/notifications');
    const withFiltered = ((await get(carol, '/api/v1/notifications?include_filtered=true')).body as Notification[]).map((n) => n.id);
    assert.ok(
      held.every((n) => withFiltered.includes(n.id)),
      'include_filtered=true shows them',
    );
    const grouped = (await get(carol, '/api/v2/notifications')).body as { notification_groups: { sample_account_ids: string[] }[] };
    assert.ok(!grouped.notification_groups.some((g) => g.sample_account_ids.includes(dave.accountId)), 'not in v2 groups');
    const groupedFiltered = (await get(carol, '/api/v2/notifications?include_filtered=true')).body as { notification_groups: { sample_account_ids: string[] }[] };
    assert.ok(
      groupedFiltered.notification_groups.some((g) => g.sample_account_ids.includes(dave.accountId)),
      'v2 with include_filtered=true shows them',
    );
    assert.equal((await get(carol, '/api/v1/notifications/unread_count')).body.count, visible.length);

    const request = await requestFrom(dave);
    assert.equal(request.notifications_count, '2');
    assert.equal(request.last_status?.id, second);
    assert.match(request.last_status!.content, /hello again/);
    assert.equal(request.account.acct, 'dave');
    assert.equal(typeof request.created_at, 'string');
    assert.equal(typeof request.updated_at, 'string');

    const shown = await get(carol, `/api/v1/notifications/requests/${request.id}`);
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.body, request);
    assert.equal((await get(dave, `/api/v1/notifications/requests/${request.id}`)).status, 404, 'another member’s request is not found');
    assert.equal((await get(carol, '/api/v1/notifications/requests/nonsense')).status, 404);

    const v2 = (await get(carol, '/api/v2/notifications/policy')).body;
    assert.equal(v2.for_not_following, 'filter');
    assert.deepEqual(v2.summary, { pending_requests_count: 1, pending_notifications_count: 2 });
    const v1 = (await get(carol, '/api/v1/notifications/policy')).body;
    assert.equal(v1.filter_not_following, true);
    assert.deepEqual(v1.summary, { pending_requests_count: 1, pending_notifications_count: 2 });
  });

  it('keeps non-mentions from filtered senders filtered, without a request of their own', async () => {
    const gina = await instance.createUser('gina');
    await post(gina, `/api/v1/accounts/${carol.accountId}/follow`);
    const held = await waitFor('the follow held', async () => {
      const found = await heldFrom(gina);
      return found.length === 1 ? found : undefined;
    });
    assert.equal(held[0]!.type, 'follow');
    assert.ok(!(await visibleIds()).includes(held[0]!.id));
    const requests = (await get(carol, '/api/v1/notifications/requests')).body as NotificationRequest[];
    assert.ok(!requests.some((r) => r.account.id === gina.accountId));
  });

  it('accepting a request merges its notifications, stops filtering the sender and streams notifications_merged', async () => {
    const erin = await instance.createUser('erin');
    const stream = await openWebSocket(instance.url, { token: carol.token, stream: 'user:notification' });
    clients.push(stream);
    await untilListening(stream, (probe) => publishToStream(instance.ctx, channels.notifications(carol.accountId), 'delete', probe));
    const status = await mention(erin, 'please let me in');
    const request = await requestFrom(erin);

    const accepted = await post(carol, `/api/v1/notifications/requests/${request.id}/accept`);
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(accepted.body, {});
    const merged = await stream.next((event) => event.event === 'notifications_merged');
    assert.equal(merged.raw, '1');
    assert.deepEqual((await get(carol, '/api/v1/notifications/requests/merged')).body, { merged: true });

    const list = (await get(carol, '/api/v1/notifications')).body as Notification[];
    assert.ok(
      list.some((n) => n.status?.id === status && n.account.id === erin.accountId),
      'the held mention joins the list',
    );
    assert.equal((await get(carol, `/api/v1/notifications/requests/${request.id}`)).status, 404, 'the request is gone');

    const later = await mention(erin, 'thanks!');
    const notification = await stream.next((event) => event.event === 'notification' && (event.payload as Notification).status?.id === later);
    assert.equal((notification.payload as Notification).account.id, erin.accountId, 'an accepted sender is no longer filtered');
    const requests = (await get(carol, '/api/v1/notifications/requests')).body as NotificationRequest[];
    assert.ok(!requests.some((r) => r.account.id === erin.accountId));
  });

  it('keeps a held direct message out of carol’s conversations until she accepts its request', async () => {
    const mia = await instance.createUser('mia');
    const status = await mention(mia, 'a private word', { visibility: 'direct' });
    const conversationStatuses = async (user: TestUser) => ((await get(user, '/api/v1/conversations')).body as { last_status: { id: string } | null }[]).map((c) => c.last_status?.id);
    // the sender's own conversation shows that the status was filed
    await waitFor('mia’s conversation', async () => ((await conversationStatuses(mia)).includes(status) ? true : undefined));
    assert.ok(!(await conversationStatuses(carol)).includes(status), 'not in carol’s conversations while held');
    const request = await requestFrom(mia);
    assert.equal((await post(carol, `/api/v1/notifications/requests/${request.id}/accept`)).status, 200);
    assert.ok((await conversationStatuses(carol)).includes(status), 'in carol’s conversations once accepted');
  });

  it('dismissing a request deletes what it held', async () => {
    const frank = await instance.createUser('frank');
    await mention(frank, 'buy my stuff');
    const request = await requestFrom(frank);
    const dismissed = await post(carol, `/api/v1/notifications/requests/${request.id}/dismiss`);
    assert.equal(dismissed.status, 200, dismissed.text);
    assert.deepEqual(dismissed.body, {});
    assert.deepEqual(await heldFrom(frank), []);
    assert.equal((await get(carol, `/api/v1/notifications/requests/${request.id}`)).status, 404);
    assert.equal((await post(carol, `/api/v1/notifications/requests/${request.id}/dismiss`)).status, 404);
    assert.equal((await post(carol, '/api/v1/notifications/requests/123/accept')).status, 404);
  });

  it('lets mentions from staff who outrank carol through, but not their favourites', async () => {
    const admin = await instance.createUser('admin', { role: 'Admin' });
    const status = await mention(admin, 'a word from the staff');
    await waitFor('the staff mention shown', async () => (((await get(carol, '/api/v1/notifications')).body as Notification[]).some((n) => n.status?.id === status) ? true : undefined));
    const carolsPost = (await post(carol, '/api/v1/statuses', { status: 'nice day' })).body.id as string;
    await post(admin, `/api/v1/statuses/${carolsPost}/favourite`);
    const held = await waitFor('the favourite held', async () => {
      const found = (await heldFrom(admin)).filter((n) => n.type === 'favourite');
      return found.length ? found : undefined;
    });
    assert.ok(!(await visibleIds()).includes(held[0]!.id));
  });

  it('recounts a request when what it holds is deleted, and drops it once empty', async () => {
    const leo = await instance.createUser('leo');
    const older = await mention(leo, 'first');
    const newer = await mention(leo, 'second');
    const request = await requestFrom(leo);
    assert.equal(request.notifications_count, '2');
    assert.equal((await instance.request('DELETE', `/api/v1/statuses/${newer}`, { token: leo.token })).status, 200);
    const recounted = await waitFor('the request recounted', async () => {
      const found = (await get(carol, `/api/v1/notifications/requests/${request.id}`)).body as NotificationRequest;
      return found.notifications_count === '1' ? found : undefined;
    });
    assert.equal(recounted.last_status, null, 'its deleted last status is gone');
    const [held] = await heldFrom(leo);
    assert.equal(held?.status?.id, older);
    const dismissed = await post(carol, `/api/v1/notifications/${held!.id}/dismiss`);
    assert.equal(dismissed.status, 200, dismissed.text);
    assert.equal((await get(carol, `/api/v1/notifications/requests/${request.id}`)).status, 404, 'an empty request is gone');
    assert.equal((await get(carol, '/api/v2/notifications/policy')).body.summary.pending_requests_count, ((await get(carol, '/api/v1/notifications/requests')).body as unknown[]).length);
  });

  it('accepts and dismisses in bulk with id[], touching only the member’s own requests, and pages with Link headers', async () => {
    const [hank, ivan, judy] = await Promise.all(['hank', 'ivan', 'judy'].map((name) => instance.createUser(name)));
    for (const sender of [hank!, ivan!, judy!]) await mention(sender, `from ${sender.username}`);
    const [hankRequest, ivanRequest, judyRequest] = [await requestFrom(hank!), await requestFrom(ivan!), await requestFrom(judy!)];

    const page = await get(carol, '/api/v1/notifications/requests?limit=2');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.length, 2);
    const link = page.headers.get('link') ?? '';
    assert.match(link, /rel="next"/);
    assert.match(link, /rel="prev"/);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const rest = await instance.request('GET', new URL(next).pathname + new URL(next).search, { token: carol.token });
    const ids = [...page.body, ...rest.body].map((r: NotificationRequest) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
    assert.ok([hankRequest, ivanRequest, judyRequest].every((r) => ids.includes(r.id)));

    // someone else's ids do nothing
    const dave = await instance.createUser('dave2');
    assert.equal((await post(dave, '/api/v1/notifications/requests/dismiss', { id: [hankRequest.id] })).status, 200);
    assert.equal((await get(carol, `/api/v1/notifications/requests/${hankRequest.id}`)).status, 200);

    const accepted = await post(carol, '/api/v1/notifications/requests/accept', { id: [hankRequest.id, ivanRequest.id] });
    assert.equal(accepted.status, 200, accepted.text);
    const dismissed = await instance.request('POST', `/api/v1/notifications/requests/dismiss?id[]=${judyRequest.id}`, { token: carol.token });
    assert.equal(dismissed.status, 200, dismissed.text);
    const remaining = ((await get(carol, '/api/v1/notifications/requests')).body as NotificationRequest[]).map((r) => r.id);
    assert.ok(![hankRequest, ivanRequest, judyRequest].some((r) => remaining.includes(r.id)));
    const visible = (await get(carol, '/api/v1/notifications')).body as Notification[];
    assert.ok(visible.some((n) => n.account.id === hank!.accountId) && visible.some((n) => n.account.id === ivan!.accountId));
    assert.deepEqual(await heldFrom(judy!), []);
  });

  it('filters a direct mention that does not answer carol, under for_private_mentions', async () => {
    const kate = await instance.createUser('kate');
    await post(kate, `/api/v1/accounts/${carol.accountId}/follow`);
    await instance.request('PATCH', '/api/v2/notifications/policy', { token: carol.token, json: { for_not_following: 'accept', for_private_mentions: 'filter' } });
    try {
      const opener = await mention(kate, 'psst', { visibility: 'direct' });
      await waitFor('the private mention held', async () => ((await heldFrom(kate)).some((n) => n.status?.id === opener) ? true : undefined));
      assert.ok(!((await get(carol, '/api/v1/notifications')).body as Notification[]).some((n) => n.status?.id === opener));
      assert.equal((await requestFrom(kate)).last_status?.id, opener);

      // a reply to a private mention carol sent kate is an answer, not filtered
      const carols = await post(carol, '/api/v1/statuses', { status: '@kate hi there', visibility: 'direct' });
      const answer = await mention(kate, 'answering you', { visibility: 'direct', in_reply_to_id: carols.body.id });
      await waitFor('the answer shown', async () => (((await get(carol, '/api/v1/notifications')).body as Notification[]).some((n) => n.status?.id === answer) ? true : undefined));
    } finally {
      await instance.request('PATCH', '/api/v2/notifications/policy', { token: carol.token, json: { for_not_following: 'filter', for_private_mentions: 'accept' } });
    }
  });

  it('clearing notifications clears the filtered ones and their requests too, so the policy summary stays true', async () => {
    const [nina, olga] = await Promise.all(['nina', 'olga'].map((name) => instance.createUser(name)));
    await instance.request('PATCH', '/api/v2/notifications/policy', { token: nina.token, json: { for_not_following: 'filter' } });
    const mentioned = await post(olga, '/api/v1/statuses', { status: '@nina hello stranger' });
    assert.equal(mentioned.status, 200, mentioned.text);
    await waitFor('a request from olga', async () => (((await get(nina, '/api/v1/notifications/requests')).body as NotificationRequest[]).length ? true : undefined));
    await post(nina, `/api/v1/accounts/${olga.accountId}/follow`);
    await waitFor('the follow noticed', async () => (((await get(olga, '/api/v1/notifications')).body as Notification[]).length ? true : undefined));
    assert.equal((await get(nina, '/api/v2/notifications/policy')).body.summary.pending_requests_count, 1);

    const cleared = await post(nina, '/api/v1/notifications/clear');
    assert.equal(cleared.status, 200, cleared.text);
    assert.deepEqual((await get(nina, `/api/v1/notifications?include_filtered=true&account_id=${olga.accountId}`)).body, []);
    assert.deepEqual((await get(nina, '/api/v1/notifications/requests')).body, []);
    assert.deepEqual((await get(nina, '/api/v2/notifications/policy')).body.summary, { pending_requests_count: 0, pending_notifications_count: 0 });
    assert.equal((await get(olga, '/api/v1/notifications')).body.length, 1, 'only the member’s own are cleared');
  });

  it('never groups a filtered notification with the others, even with include_filtered', async () => {
    const zed = await instance.createUser('zed');
    const carolsPost = (await post(carol, '/api/v1/statuses', { status: 'grouping check' })).body.id as string;
    assert.equal((await post(alice, `/api/v1/statuses/${carolsPost}/favourite`)).status, 200);
    assert.equal((await post(zed, `/api/v1/statuses/${carolsPost}/favourite`)).status, 200);
    await waitFor('the favourite held', async () => ((await heldFrom(zed)).some((n) => n.type === 'favourite') ? true : undefined));
    await waitFor('the favourite shown', async () =>
      ((await get(carol, '/api/v1/notifications')).body as Notification[]).some((n) => n.type === 'favourite' && n.status?.id === carolsPost) ? true : undefined,
    );

    const grouped = await get(carol, '/api/v2/notifications?include_filtered=true&types[]=favourite');
    assert.equal(grouped.status, 200, grouped.text);
    const groups = (grouped.body.notification_groups as { group_key: string; status_id: string; sample_account_ids: string[] }[]).filter((g) => g.status_id === carolsPost);
    assert.deepEqual(groups.map((g) => g.sample_account_ids).sort(), [[alice.accountId], [zed.accountId]].sort());
    assert.ok(
      groups.some((g) => g.group_key.startsWith('ungrouped-')),
      'the filtered one stands alone',
    );
    const plain = await get(carol, '/api/v2/notifications?types[]=favourite');
    assert.deepEqual(
      (plain.body.notification_groups as { status_id: string; sample_account_ids: string[] }[]).filter((g) => g.status_id === carolsPost).map((g) => g.sample_account_ids),
      [[alice.accountId]],
    );
  });
});
