import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { oauthApplications, webPushSubscriptions } from '../../src/db/schema.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { startPushService, type PushDevice, type PushService } from '../helpers/push-service.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';

const ALERT_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.sign_up', 'admin.report'];
const allAlerts = (on: string[]) => Object.fromEntries(ALERT_TYPES.map((type) => [type, on.includes(type)]));

describe('/api/v1/push/subscription', () => {
  let instance: TestInstance;
  let pushService: PushService;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let serverKey: string;
  let deviceCount = 0;

  before(async () => {
    pushService = await startPushService();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' } });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    const described = await instance.request('GET', '/api/v2/instance');
    serverKey = described.body.configuration.vapid.public_key;
  });
  after(async () => {
    await instance.close();
    await pushService.close();
  });

  /** A fresh token of `user`'s (each token holds one subscription) and a device of its own at the push service. */
  async function newDevice(user: TestUser, scopes = ['read', 'write', 'push']) {
    const token = (await issueToken(instance.ctx, { applicationId: null, userId: user.userId, scopes })).accessToken;
    return { token, device: pushService.device(`device-${++deviceCount}`) };
  }

  const subscribe = (token: string, device: PushDevice, data: unknown = { alerts: allAlerts(ALERT_TYPES) }, standard = true) =>
    instance.request('POST', '/api/v1/push/subscription', { token, json: { subscription: { ...device.subscription, standard }, data } });
  const show = (token: string) => instance.request('GET', '/api/v1/push/subscription', { token });

  async function post(user: TestUser, status: string): Promise<string> {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json: { status } });
    assert.equal(response.status, 200, response.text);
    return response.body.id;
  }

  /** The decrypted payloads a device has been sent so far, parsed. */
  const payloads = (device: PushDevice) => device.received.map((push) => JSON.parse(push.plaintext ?? 'null'));

  describe('managing the subscription', () => {
    it('announces a VAPID public key: a 65-byte P-256 point, in the instance and the apps', async () => {
      const point = Buffer.from(serverKey, 'base64url');
      assert.equal(point.length, 65);
      assert.equal(point[0], 4);
      const app = await instance.request('POST', '/api/v1/apps', { json: { client_name: 'pushy', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read push' } });
      assert.equal(app.body.vapid_key, serverKey);
    });

    it('creates, shows, updates and deletes the WebPushSubscription of the token', async () => {
      const { token, device } = await newDevice(bob);
      const created = await subscribe(token, device, { alerts: { mention: true, favourite: 'true', reblog: false, 'admin.sign_up': '1', bogus: true }, policy: 'followed' });
      assert.equal(created.status, 200, created.text);
      assert.deepEqual(created.body, {
        id: created.body.id,
        endpoint: device.subscription.endpoint,
        standard: true,
        alerts: { ...allAlerts(['mention', 'favourite', 'admin.sign_up']) },
        policy: 'followed',
        server_key: serverKey,
      });
      assert.match(created.body.id, /^\d+$/);
      assert.deepEqual((await show(token)).body, created.body);

      const updated = await instance.request('PUT', '/api/v1/push/subscription', { token, json: { data: { alerts: { follow: true }, policy: 'follower' } } });
      assert.equal(updated.status, 200, updated.text);
      // as Mastodon's update!(data: data_params): the new data replaces the old
      assert.deepEqual(updated.body.alerts, allAlerts(['follow']));
      assert.equal(updated.body.policy, 'follower');
      assert.equal(updated.body.endpoint, device.subscription.endpoint);

      const deleted = await instance.request('DELETE', '/api/v1/push/subscription', { token });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, {});
      const gone = await show(token);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, { error: 'Record not found' });
      assert.equal((await instance.request('PUT', '/api/v1/push/subscription', { token, json: { data: { alerts: { follow: true } } } })).status, 404);
    });

    it('takes form parameters as Rails reads them, and keeps one subscription per token', async () => {
      const { token, device } = await newDevice(bob);
      const other = pushService.device(`device-${++deviceCount}`);
      const form = new URLSearchParams({
        'subscription[endpoint]': device.subscription.endpoint,
        'subscription[keys][p256dh]': device.subscription.keys.p256dh,
        'subscription[keys][auth]': device.subscription.keys.auth,
        'data[alerts][mention]': 'true',
      });
      const first = await instance.request('POST', '/api/v1/push/subscription', { token, form });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.standard, false);
      assert.equal(first.body.policy, 'all');
      assert.deepEqual(first.body.alerts, allAlerts(['mention']));
      const second = await subscribe(token, other);
      assert.equal(second.status, 200, second.text);
      assert.notEqual(second.body.id, first.body.id);
      assert.equal((await show(token)).body.endpoint, other.subscription.endpoint);
      // another token of the same member has a subscription of its own
      const { token: otherToken } = await newDevice(bob);
      assert.equal((await show(otherToken)).status, 404);
    });

    it('refuses a bad endpoint, bad keys or an unknown policy with 422, storing nothing', async () => {
      const { token, device } = await newDevice(bob);
      const attempt = (subscription: unknown, data?: unknown) => instance.request('POST', '/api/v1/push/subscription', { token, json: { subscription, data } });
      const { endpoint, keys } = device.subscription;
      const cases: [unknown, unknown, RegExp][] = [
        [{ keys }, undefined, /Endpoint can't be blank/],
        [{ endpoint: 'not a url', keys }, undefined, /Endpoint is not a valid URL/],
        [{ endpoint: 'ftp://push.example/x', keys }, undefined, /Endpoint is not a valid URL/],
        [{ endpoint, keys: { auth: keys.auth } }, undefined, /Key p256dh can't be blank/],
        [{ endpoint, keys: { p256dh: Buffer.alloc(65, 4).toString('base64url'), auth: keys.auth } }, undefined, /Key p256dh is not a valid P-256 public key/],
        [{ endpoint, keys: { p256dh: keys.p256dh, auth: 'c2hvcnQ' } }, undefined, /Key auth is not a 16-byte secret/],
        [{ endpoint, keys }, { policy: 'friends' }, /Policy must be one of all, followed, follower, none/],
      ];
      for (const [subscription, data, message] of cases) {
        const response = await attempt(subscription, data);
        assert.equal(response.status, 422, `${JSON.stringify(subscription)}: ${response.text}`);
        assert.match(response.body.error, message);
      }
      const missing = await instance.request('POST', '/api/v1/push/subscription', { token, json: {} });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body, { error: 'param is missing or the value is empty: subscription' });
      assert.equal((await show(token)).status, 404);
      const badUpdate = await subscribe(token, device);
      assert.equal(badUpdate.status, 200);
      const refused = await instance.request('PUT', '/api/v1/push/subscription', { token, json: { data: { policy: 'everyone' } } });
      assert.equal(refused.status, 422);
      assert.equal((await show(token)).body.policy, 'all');
    });

    it('needs the push scope and a user', async () => {
      const device = pushService.device(`device-${++deviceCount}`);
      const anonymous = await instance.request('POST', '/api/v1/push/subscription', { json: { subscription: device.subscription } });
      assert.equal(anonymous.status, 401);
      const { token: readWrite } = await newDevice(bob, ['read', 'write', 'follow']);
      for (const method of ['POST', 'GET', 'PUT', 'DELETE']) {
        const json = method === 'GET' ? undefined : { subscription: device.subscription };
        const refused = await instance.request(method, '/api/v1/push/subscription', { token: readWrite, json });
        assert.equal(refused.status, 403, method);
        assert.deepEqual(refused.body, { error: 'This action is outside the authorized scopes' });
      }
      const { token: pushOnly } = await newDevice(bob, ['push']);
      assert.equal((await subscribe(pushOnly, device)).status, 200);
      const appToken = await issueToken(instance.ctx, { applicationId: null, userId: null, scopes: ['push'] });
      const app = await subscribe(appToken.accessToken, device);
      assert.equal(app.status, 422);
      assert.deepEqual(app.body, { error: 'This method requires an authenticated user' });
    });

    it('ends with the token: a revoked token has no subscription left', async () => {
      const app = await instance.request('POST', '/api/v1/apps', { json: { client_name: 'revoker', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read push' } });
      const [row] = await instance.ctx.db.select().from(oauthApplications).where(eq(oauthApplications.uid, app.body.client_id));
      const token = (await issueToken(instance.ctx, { applicationId: row!.id, userId: bob.userId, scopes: ['read', 'push'] })).accessToken;
      const device = pushService.device(`device-${++deviceCount}`);
      assert.equal((await subscribe(token, device)).status, 200);
      const revoked = await instance.request('POST', '/oauth/revoke', { form: { token, client_id: app.body.client_id, client_secret: app.body.client_secret } });
      assert.equal(revoked.status, 200, revoked.text);
      const left = await instance.ctx.db.select().from(webPushSubscriptions).where(eq(webPushSubscriptions.endpoint, device.subscription.endpoint));
      assert.deepEqual(left, []);
    });
  });

  describe('delivery', () => {
    let token: string;
    let device: PushDevice;

    beforeEach(async () => {
      ({ token, device } = await newDevice(bob));
    });

    it('pushes a mention encrypted for the device (aes128gcm), signed with the VAPID key, as Web::NotificationSerializer', async () => {
      assert.equal((await subscribe(token, device, { alerts: { mention: true } })).status, 200);
      const statusId = await post(alice, '@bob look at <this> & that');
      await until(async () => device.received.length > 0, 'the push');
      const [push] = device.received;
      assert.equal(push!.error, undefined);
      assert.equal(push!.headers['content-encoding'], 'aes128gcm');
      assert.equal(push!.headers.ttl, String(48 * 3600));
      assert.equal(push!.headers.urgency, 'normal');
      assert.equal(push!.vapid!.publicKey, serverKey);
      assert.equal(push!.vapid!.claims.aud, pushService.url);
      assert.match(push!.vapid!.claims.sub, /^mailto:/);
      assert.ok(push!.vapid!.claims.exp > Date.now() / 1000 && push!.vapid!.claims.exp <= Date.now() / 1000 + 24 * 3600);

      const listed = await instance.request('GET', '/api/v1/notifications', { token: bob.token });
      const notification = listed.body.find((entry: { status?: { id: string } }) => entry.status?.id === statusId);
      // the id is a bare JSON integer, as Mastodon's Oj writes it
      assert.match(push!.plaintext!, new RegExp(`"notification_id":${notification.id}[,}]`));
      const payload = JSON.parse(push!.plaintext!);
      assert.deepEqual(Object.keys(payload).sort(), ['access_token', 'body', 'icon', 'notification_id', 'notification_type', 'preferred_locale', 'title']);
      assert.equal(payload.access_token, token);
      assert.equal(payload.notification_type, 'mention');
      assert.equal(payload.preferred_locale, 'en');
      assert.equal(payload.title, 'You were mentioned by alice');
      assert.equal(payload.body, '@bob look at <this> & that');
      assert.match(payload.icon, /^http:\/\/subspace\.test\/avatars\/original\/missing\.png$/);
      // the token works: the client fetches the notification with it
      const fetched = await instance.request('GET', `/api/v1/notifications/${notification.id}`, { token: payload.access_token });
      assert.equal(fetched.status, 200);
    });

    it('pushes only the alerts asked for, and a content warning instead of the text', async () => {
      assert.equal((await subscribe(token, device, { alerts: { favourite: true } })).status, 200);
      const own = await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'secret plans', spoiler_text: 'plans' } });
      await post(alice, '@bob no push for this mention');
      const faved = await instance.request('POST', `/api/v1/statuses/${own.body.id}/favourite`, { token: alice.token });
      assert.equal(faved.status, 200);
      await until(async () => device.received.length > 0, 'the push');
      await queuesDrained(instance);
      assert.deepEqual(
        payloads(device).map((payload) => [payload.notification_type, payload.title, payload.body]),
        [['favourite', 'alice favorited your post', 'plans']],
      );
    });

    it("applies the policy to the notification's sender: followed, follower, none", async () => {
      assert.equal((await subscribe(token, device, { alerts: { mention: true }, policy: 'followed' })).status, 200);
      await post(carol, '@bob from a stranger');
      await post(alice, '@bob before the follow');
      // the mentions' notifications (and their pushes) are the Distribution jobs': done before the follow
      await queuesDrained(instance);
      const follow = await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token });
      assert.equal(follow.status, 200, follow.text);
      await post(alice, '@bob after bob followed alice');
      await until(async () => device.received.length > 0, 'the push');
      await queuesDrained(instance);
      assert.deepEqual(
        payloads(device).map((payload) => payload.body),
        ['@bob after bob followed alice'],
      );

      await instance.request('PUT', '/api/v1/push/subscription', { token, json: { data: { alerts: { mention: true }, policy: 'follower' } } });
      await post(alice, '@bob alice does not follow bob');
      const carolFollows = await instance.request('POST', `/api/v1/accounts/${bob.accountId}/follow`, { token: carol.token });
      assert.equal(carolFollows.status, 200);
      await post(carol, '@bob carol follows bob');
      await until(async () => device.received.length > 1, 'the second push');
      await queuesDrained(instance);
      assert.deepEqual(
        payloads(device).map((payload) => payload.body),
        ['@bob after bob followed alice', '@bob carol follows bob'],
      );

      await instance.request('PUT', '/api/v1/push/subscription', { token, json: { data: { alerts: { mention: true }, policy: 'none' } } });
      await post(carol, '@bob nothing is pushed now');
      await queuesDrained(instance);
      assert.equal(device.received.length, 2);
    });

    it('removes a subscription the push service says is gone (410), and tries again after a 500', async () => {
      assert.equal((await subscribe(token, device, { alerts: { mention: true } })).status, 200);
      device.answer = 500;
      await post(alice, '@bob the service is down');
      await until(async () => device.received.length >= 2, 'a second try after the 500');
      device.answer = 201;
      await queuesDrained(instance);
      assert.equal((await show(token)).status, 200);
      device.answer = 410;
      const before = device.received.length;
      await post(alice, '@bob the device is gone');
      await until(async () => device.received.length > before, 'the push answered 410');
      await until(async () => (await show(token)).status === 404 || undefined, 'the subscription to be removed');
    });

    it('sends the older aesgcm encoding to a subscription not marked standard', async () => {
      assert.equal((await subscribe(token, device, { alerts: { mention: true } }, false)).status, 200);
      await post(alice, '@bob an old client');
      await until(async () => device.received.length > 0, 'the push');
      const [push] = device.received;
      assert.equal(push!.error, undefined);
      assert.equal(push!.headers['content-encoding'], 'aesgcm');
      assert.match(String(push!.headers.encryption), /^salt=[A-Za-z0-9_-]+$/);
      assert.match(String(push!.headers['crypto-key']), /^dh=[A-Za-z0-9_-]+;p256ecdsa=/);
      assert.match(String(push!.headers.authorization), /^WebPush /);
      assert.equal(push!.vapid!.publicKey, serverKey);
      assert.equal(JSON.parse(push!.plaintext!).body, '@bob an old client');
    });
  });
});

describe('Web Push to private addresses', () => {
  let instance: TestInstance;
  let pushService: PushService;

  before(async () => {
    pushService = await startPushService();
    // no ALLOWED_PRIVATE_ADDRESSES: as in production, nothing on a loopback or private address is reached
    instance = await startInstance();
  });
  after(async () => {
    await instance.close();
    await pushService.close();
  });

  it('is refused, as every outbound request of the instance is', async () => {
    const alice = await instance.createUser('alice');
    const bob = await instance.createUser('bob');
    const device = pushService.device('private');
    const created = await instance.request('POST', '/api/v1/push/subscription', { token: bob.token, json: { subscription: device.subscription, data: { alerts: { mention: true } } } });
    assert.equal(created.status, 200, created.text);
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: '@bob hello' } });
    await queuesDrained(instance);
    assert.equal(device.received.length, 0);
    const dead = await instance.ctx.queue.deadJobs('push');
    assert.deepEqual(dead, [], 'a refused push is dropped, not retried');
  });
});
