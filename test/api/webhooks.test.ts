import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { claimLoopbackAddress, ownAddress } from '../helpers/loopback.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { signUp, signUpAppToken } from '../helpers/sign-up.ts';
import { until } from '../helpers/until.ts';

const SECRET = 'a webhook secret of some length';
const ALL_EVENTS = 'account.created,account.approved,account.updated,report.created,report.updated,status.created,status.updated';

describe('webhooks: signed event deliveries from the queue, with retries', () => {
  let receiver: HttpReceiver;
  let forbidden: HttpReceiver;
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    receiver = await startHttpReceiver();
    // on a loopback address ALLOWED_PRIVATE_ADDRESSES does not name: never to be delivered to
    forbidden = await startHttpReceiver(claimLoopbackAddress());
    instance = await startInstance({ registrations: 'approved', env: { ALLOWED_PRIVATE_ADDRESSES: ownAddress() } });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(async () => {
    await instance.close();
    await receiver.close();
    await forbidden.close();
  });

  const cli = async (...argv: string[]) => {
    const result = await runAdminCommand(instance.ctx, argv);
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout;
  };

  /** The deliveries of `event` received so far, checked to be signed with `secret`, parsed. */
  function deliveries(event: string, secret = SECRET): { request: ReceivedRequest; body: any }[] {
    return receiver.received
      .map((request) => ({ request, body: JSON.parse(request.body) }))
      .filter(({ request, body }) => {
        if (body.event !== event) return false;
        assert.equal(request.method, 'POST');
        assert.equal(request.headers['content-type'], 'application/json');
        assert.equal(request.headers['x-hub-signature'], `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
        return true;
      });
  }
  const delivered = (event: string, count = 1) => until(async () => deliveries(event).length >= count && deliveries(event), `${count} ${event} deliveries`);

  it('manages webhooks from the command line, refusing bad URLs, events and secrets', async () => {
    const created = await cli('webhooks', 'create', `${receiver.url}/hook`, '--events', ALL_EVENTS, '--secret', SECRET);
    assert.match(created, /^OK\nID: \d+\nSecret: a webhook secret of some length\n$/);
    const other = await cli('webhooks', 'create', `${forbidden.url}/hook`, '--events', 'status.created');
    assert.match(other, /Secret: [0-9a-f]{40}\n$/);
    for (const argv of [
      ['webhooks', 'create', 'ftp://example.com/', '--events', 'status.created'],
      ['webhooks', 'create', 'https://example.com/', '--events', 'status.deleted'],
      ['webhooks', 'create', 'https://example.com/', '--events', 'status.created', '--secret', 'short'],
      ['webhooks', 'create', `${receiver.url}/hook`, '--events', 'status.created'],
      ['webhooks', 'modify', '12345', '--disable'],
    ]) {
      const result = await runAdminCommand(instance.ctx, argv);
      assert.equal(result.exitCode, 1, `${argv.join(' ')}: ${result.stdout}`);
    }
    const listed = await cli('webhooks', 'list');
    assert.equal(listed.trim().split('\n').length, 2);
    assert.match(listed, new RegExp(`enabled +${receiver.url}/hook +${ALL_EVENTS.replaceAll('.', '\\.')}`));
  });

  it('tells of a sign-up, its approval and a profile change, with the account as Admin::Account', async () => {
    const appToken = await signUpAppToken(instance);
    assert.equal((await signUp(instance, appToken, 'newcomer', { reason: 'hello' })).status, 200);
    const [created] = await delivered('account.created');
    assert.equal(created!.body.object.username, 'newcomer');
    assert.equal(created!.body.object.email, 'newcomer@example.com');
    assert.equal(created!.body.object.approved, false);
    assert.equal(created!.body.object.account.acct, 'newcomer');
    assert.ok(!Number.isNaN(Date.parse(created!.body.created_at)));
    assert.deepEqual(Object.keys(created!.body).sort(), ['created_at', 'event', 'object']);

    await cli('accounts', 'approve', 'newcomer');
    const [approved] = await delivered('account.approved');
    assert.equal(approved!.body.object.id, created!.body.object.id);
    assert.equal(approved!.body.object.approved, true);

    const updated = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json: { display_name: 'Alice A.' } });
    assert.equal(updated.status, 200, updated.text);
    const [profile] = await delivered('account.updated');
    assert.equal(profile!.body.object.account.display_name, 'Alice A.');
  });

  it('tells of a status and its edit (as Status) and of a report (as Admin::Report), never to a private address', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'Hello hooks' } });
    assert.equal(posted.status, 200, posted.text);
    const [created] = await delivered('status.created');
    assert.equal(created!.body.object.id, posted.body.id);
    assert.equal(created!.body.object.content, '<p>Hello hooks</p>');
    assert.equal(created!.body.object.account.acct, 'alice');

    const edited = await instance.request('PUT', `/api/v1/statuses/${posted.body.id}`, { token: alice.token, json: { status: 'Hello again' } });
    assert.equal(edited.status, 200, edited.text);
    const [update] = await delivered('status.updated');
    assert.equal(update!.body.object.content, '<p>Hello again</p>');
    assert.ok(update!.body.object.edited_at);

    const report = await instance.request('POST', '/api/v1/reports', { token: bob.token, json: { account_id: alice.accountId, status_ids: [posted.body.id], comment: 'hooked' } });
    assert.equal(report.status, 200, report.text);
    const [reported] = await delivered('report.created');
    assert.equal(reported!.body.object.id, report.body.id);
    assert.equal(reported!.body.object.comment, 'hooked');
    assert.equal(reported!.body.object.account.username, 'bob');
    assert.equal(reported!.body.object.target_account.username, 'alice');
    assert.deepEqual(
      reported!.body.object.statuses.map((status: { id: string }) => status.id),
      [posted.body.id],
    );

    await queuesDrained(instance);
    assert.deepEqual(forbidden.received, []);
  });

  it('tells of each staff change of a report (assign, unassign, resolve, reopen, update) as report.updated, with the Admin::Report', async () => {
    const moderator = await instance.createUser('hookmod', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    const filed = await instance.request('POST', '/api/v1/reports', { token: alice.token, json: { account_id: bob.accountId, comment: 'to be handled' } });
    assert.equal(filed.status, 200, filed.text);
    const mine = () => deliveries('report.updated').filter(({ body }) => body.object.id === filed.body.id);
    const steps: [string, (object: any) => void][] = [
      ['assign_to_self', (object) => assert.equal(object.assigned_account.id, moderator.accountId)],
      ['unassign', (object) => assert.equal(object.assigned_account, null)],
      ['resolve', (object) => assert.equal(object.action_taken_by_account.username, 'hookmod')],
      ['reopen', (object) => assert.equal(object.action_taken, false)],
    ];
    for (const [i, [action, check]] of steps.entries()) {
      const done = await instance.request('POST', `/api/v1/admin/reports/${filed.body.id}/${action}`, { token: moderator.token });
      assert.equal(done.status, 200, done.text);
      const seen = await until(async () => mine().length > i && mine(), `report.updated after ${action}`);
      check(seen.at(-1)!.body.object);
    }
    const updated = await instance.request('PUT', `/api/v1/admin/reports/${filed.body.id}`, { token: moderator.token, json: { category: 'spam' } });
    assert.equal(updated.status, 200, updated.text);
    const all = await until(async () => mine().length >= 5 && mine(), 'report.updated after the update');
    const last = all.at(-1)!.body.object;
    assert.equal(last.category, 'spam');
    // the admin API's own entity, account and all
    assert.deepEqual(Object.keys(last).sort(), Object.keys(updated.body).sort());
    assert.deepEqual(Object.keys(last.target_account).sort(), Object.keys(updated.body.target_account).sort());
    assert.equal(last.target_account.account.acct, 'bob');
    await queuesDrained(instance);
    assert.equal(mine().length, 5, 'one event per change');
  });

  it('retries a delivery that failed with a 500, with the same signed body, and skips disabled webhooks', async () => {
    let failures = 0;
    receiver.respond = (request) => (JSON.parse(request.body).event === 'status.created' && failures++ < 2 ? { status: 500 } : { status: 200 });
    const posted = await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'Retry me' } });
    const mine = () => deliveries('status.created').filter(({ body }) => body.object.id === posted.body.id);
    const tries = await until(async () => mine().length >= 3 && mine(), 'three tries of the delivery');
    assert.equal(new Set(tries.map(({ request }) => request.body)).size, 1);
    await queuesDrained(instance);
    assert.equal(mine().length, 3);

    const id = /^(\d+)/.exec(await cli('webhooks', 'list'))![1]!;
    await cli('webhooks', 'modify', id, '--disable');
    const before = receiver.received.length;
    await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'Nobody hears this' } });
    await queuesDrained(instance);
    assert.equal(receiver.received.length, before);
    await cli('webhooks', 'delete', id);
    assert.doesNotMatch(await cli('webhooks', 'list'), new RegExp(`^${id} `, 'm'));
  });
});
