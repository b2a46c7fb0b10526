import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRestAPIClient } from 'masto';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { startPushService, type PushService } from '../helpers/push-service.ts';
import { until } from '../helpers/until.ts';

describe('Web Push from Mastodon client libraries (masto.js, Mastodon.py)', () => {
  let instance: TestInstance;
  let pushService: PushService;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    pushService = await startPushService();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' } });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(async () => {
    await instance.close();
    await pushService.close();
  });

  it('subscribes, reads, updates and removes with client.v1.push.subscription, and the device gets its pushes', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: bob.token });
    const device = pushService.device('masto');
    const instanceInfo = await client.v2.instance.fetch();
    const created = await client.v1.push.subscription.create({
      subscription: device.subscription,
      data: { alerts: { mention: true, follow: true, admin: { signUp: true, report: false } } },
      policy: 'all',
    });
    assert.equal(created.endpoint, device.subscription.endpoint);
    assert.equal(created.serverKey, instanceInfo.configuration.vapid.publicKey);
    assert.equal(created.alerts.mention, true);
    assert.equal(created.alerts.favourite, false);
    assert.equal(created.policy, 'all');
    // masto nests the admin alerts as `admin[sign_up]`; the answer keeps Mastodon's `admin.sign_up` key (which masto camel-cases)
    assert.equal((created.alerts as unknown as Record<string, boolean>).adminSignUp, true);
    assert.deepEqual(await client.v1.push.subscription.fetch(), created);

    const updated = await client.v1.push.subscription.update({ data: { alerts: { mention: true, favourite: true } } });
    assert.equal(updated.alerts.favourite, true);
    assert.equal(updated.alerts.follow, false);

    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: '@bob from masto' } });
    await until(async () => device.received.length > 0, 'the push');
    const [push] = device.received;
    // masto sends no `standard`: the subscription gets the older aesgcm encoding, as Mastodon's does
    assert.equal(push!.headers['content-encoding'], 'aesgcm');
    assert.equal(push!.error, undefined);
    const payload = JSON.parse(push!.plaintext!);
    assert.equal(payload.notification_type, 'mention');
    assert.equal(payload.access_token, bob.token);
    // the id is a 64-bit integer in the JSON: read from the text, not from the parsed (rounded) number
    const notificationId = /"notification_id":(\d+)/.exec(push!.plaintext!)![1]!;
    const notification = await createRestAPIClient({ url: instance.url, accessToken: payload.access_token }).v1.notifications.$select(notificationId).fetch();
    assert.equal(notification.type, 'mention');

    await client.v1.push.subscription.remove();
    await assert.rejects(client.v1.push.subscription.fetch(), (error: { statusCode?: number }) => error.statusCode === 404);
  });

  it("takes Mastodon.py's push_subscription_set and push_subscription_update form parameters", async () => {
    const device = pushService.device('mastodon.py');
    // Mastodon.py posts a form, booleans as 1 and 0
    const form = new URLSearchParams({
      'subscription[endpoint]': device.subscription.endpoint,
      'subscription[keys][p256dh]': device.subscription.keys.p256dh,
      'subscription[keys][auth]': device.subscription.keys.auth,
      'data[alerts][follow]': '1',
      'data[alerts][favourite]': '0',
      'data[alerts][mention]': '1',
      'data[policy]': 'follower',
    });
    const created = await instance.request('POST', '/api/v1/push/subscription', { token: alice.token, form });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.alerts.follow, true);
    assert.equal(created.body.alerts.favourite, false);
    assert.equal(created.body.alerts.mention, true);
    assert.equal(created.body.policy, 'follower');
    const updated = await instance.request('PUT', '/api/v1/push/subscription', { token: alice.token, form: { 'data[alerts][reblog]': '1', 'data[policy]': 'all' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.alerts.reblog, true);
    assert.equal(updated.body.alerts.follow, false);
    assert.equal(updated.body.policy, 'all');
  });
});
