import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { ipBlocks } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';

describe('admin API: IP blocks, applied at sign-up and to every request', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  let member: TestUser;
  let emailBlocker: TestUser;
  let appToken: string;
  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member', { scopes: 'read write admin:read admin:write' });
    emailBlocker = await instance.createUser('emailblocker', { role: 'Admin', scopes: 'admin:read:email_domain_blocks admin:write:email_domain_blocks' });
    appToken = await signUpAppToken(instance);
  });
  after(() => instance.close());

  const api = (method: string, path: string, json?: Record<string, unknown>, token: string | null = admin.token) => instance.request(method, path, { token: token ?? undefined, json });
  const create = (json: Record<string, unknown>) => api('POST', '/api/v1/admin/ip_blocks', json);

  it('refuses members, Moderators, anonymous callers and tokens without the scope', async () => {
    for (const [token, error] of [
      [member.token, 'This action is not allowed'],
      [moderator.token, 'This action is not allowed'],
      [null, 'This action is not allowed'],
      [emailBlocker.token, 'This action is outside the authorized scopes'],
    ] as const) {
      const created = await api('POST', '/api/v1/admin/ip_blocks', { ip: '192.0.2.1', severity: 'no_access' }, token);
      assert.equal(created.status, 403, created.text);
      assert.deepEqual(created.body, { error });
      assert.equal((await api('GET', '/api/v1/admin/ip_blocks', undefined, token)).status, 403);
    }
    assert.equal((await instance.ctx.db.select().from(ipBlocks)).length, 0);
  });

  it('creates, shows, updates, lists and deletes blocks as Mastodon serializes them', async () => {
    const created = await create({ ip: '192.0.2.77/24', severity: 'sign_up_block', comment: 'spam wave', expires_in: 86400 });
    assert.equal(created.status, 200, created.text);
    const { id, created_at, expires_at, ...rest } = created.body;
    assert.match(id, /^\d+$/);
    assert.deepEqual(rest, { ip: '192.0.2.0/24', severity: 'sign_up_block', comment: 'spam wave' });
    const lifetime = Date.parse(expires_at) - Date.parse(created_at);
    assert.ok(Math.abs(lifetime - 86_400_000) < 60_000, `expires after ${lifetime} ms`);

    const single = await create({ ip: '2001:db8::1', severity: 'sign_up_requires_approval' });
    assert.equal(single.status, 200, single.text);
    assert.equal(single.body.ip, '2001:db8::1/128');
    assert.equal(single.body.comment, '');
    assert.equal(single.body.expires_at, null);

    for (const [body, error] of [
      [{ ip: '192.0.2.0/24', severity: 'no_access' }, 'Validation failed: Ip has already been taken'],
      [{ ip: 'not an ip', severity: 'no_access' }, 'Validation failed: Ip is invalid'],
      [{ ip: '10.0.0.0/33', severity: 'no_access' }, 'Validation failed: Ip is invalid'],
      [{ severity: 'no_access' }, "Validation failed: Ip can't be blank"],
      [{ ip: '10.1.0.0/16', severity: 'nope' }, "Validation failed: 'nope' is not a valid severity"],
      [{ ip: '10.1.0.0/16' }, "Validation failed: Severity can't be blank"],
    ] as const) {
      const response = await create(body);
      assert.equal(response.status, 422, JSON.stringify(body));
      assert.deepEqual(response.body, { error });
    }

    const updated = await api('PUT', `/api/v1/admin/ip_blocks/${id}`, { severity: 'no_access', comment: 'worse', expires_in: '' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.severity, 'no_access');
    assert.equal(updated.body.comment, 'worse');
    assert.equal(updated.body.expires_at, null);
    assert.equal(updated.body.ip, '192.0.2.0/24');
    assert.equal((await api('PUT', `/api/v1/admin/ip_blocks/${id}`, { severity: 'bogus' })).status, 422);
    assert.deepEqual((await api('GET', `/api/v1/admin/ip_blocks/${id}`)).body, updated.body);

    const listed = await instance.request('GET', '/api/v1/admin/ip_blocks?limit=1', { token: admin.token });
    assert.deepEqual(
      listed.body.map((block: { id: string }) => block.id),
      [single.body.id],
    );
    assert.match(listed.headers.get('link') ?? '', /rel="next"/);

    for (const block of [created.body, single.body]) assert.equal((await api('DELETE', `/api/v1/admin/ip_blocks/${block.id}`)).status, 200);
    assert.equal((await api('GET', `/api/v1/admin/ip_blocks/${id}`)).status, 404);
    assert.equal((await api('PUT', `/api/v1/admin/ip_blocks/${id}`, { comment: 'x' })).status, 404);
  });

  it('refuses sign-ups from a sign_up_block range with 403, holds those from sign_up_requires_approval for approval, and ignores expired blocks', async () => {
    await create({ ip: '203.0.113.0/28', severity: 'sign_up_block' });
    await create({ ip: '203.0.113.64/26', severity: 'sign_up_requires_approval' });
    const expired = await create({ ip: '203.0.113.128/26', severity: 'sign_up_block', expires_in: 3600 });
    await instance.ctx.db
      .update(ipBlocks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(ipBlocks.id, expired.body.id));

    const refused = await signUp(instance, appToken, 'fromblocked', { ip: '203.0.113.9' });
    assert.equal(refused.status, 403, refused.text);
    assert.deepEqual(refused.body, { error: 'This action is not allowed' });
    assert.equal(await signedUpUser(instance, 'fromblocked@example.com'), undefined);

    assert.equal((await signUp(instance, appToken, 'fromreviewed', { ip: '203.0.113.70' })).status, 200);
    assert.equal((await signedUpUser(instance, 'fromreviewed@example.com'))!.approved, false);

    assert.equal((await signUp(instance, appToken, 'fromexpired', { ip: '203.0.113.130' })).status, 200);
    assert.equal((await signedUpUser(instance, 'fromexpired@example.com'))!.approved, true);
    assert.equal((await signUp(instance, appToken, 'fromelsewhere', { ip: '198.51.100.200' })).status, 200);
  });

  it('refuses every request from a no_access range with 403, static files aside, until the block is lifted or expires', async () => {
    const from = (ip: string, path = '/api/v1/instance') => instance.request('GET', path, { headers: { 'x-forwarded-for': ip } });
    assert.equal((await from('192.0.2.200')).status, 200);
    const block = await create({ ip: '192.0.2.128/25', severity: 'no_access' });
    const refused = await from('192.0.2.200');
    assert.equal(refused.status, 403);
    assert.equal((await from('192.0.2.200', '/@admin')).status, 403);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: member.token, headers: { 'x-forwarded-for': '192.0.2.201' } })).status, 403);
    assert.equal((await from('192.0.2.200', '/favicon.ico')).status, 200);
    // other addresses, and the proxy itself, are not affected
    assert.equal((await from('192.0.2.100')).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/instance')).status, 200);
    // a sign-up from there is refused too
    assert.equal((await signUp(instance, appToken, 'noaccess', { ip: '192.0.2.202' })).status, 403);

    await instance.ctx.db
      .update(ipBlocks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(ipBlocks.id, block.body.id));
    // another block's change forgets what this process remembered of the list
    await api('DELETE', `/api/v1/admin/ip_blocks/${(await create({ ip: '192.0.2.1', severity: 'no_access' })).body.id}`);
    assert.equal((await from('192.0.2.200')).status, 200);
    await api('PATCH', `/api/v1/admin/ip_blocks/${block.body.id}`, { expires_in: '' });
    assert.equal((await from('192.0.2.200')).status, 403);
    await api('DELETE', `/api/v1/admin/ip_blocks/${block.body.id}`);
    assert.equal((await from('192.0.2.200')).status, 200);
  });

  it('records each creation, change and removal of a block in the audit log, with who made it', async () => {
    const block = await create({ ip: '198.51.100.9/24', severity: 'sign_up_block' });
    assert.equal(block.status, 200, block.text);
    await api('PUT', `/api/v1/admin/ip_blocks/${block.body.id}`, { severity: 'no_access' });
    await api('DELETE', `/api/v1/admin/ip_blocks/${block.body.id}`);
    const log = await api('GET', `/api/v1/admin/action_logs?target_type=IpBlock&target_id=${block.body.id}`);
    assert.equal(log.status, 200, log.text);
    assert.deepEqual(
      log.body.map((entry: { action: string; summary: string; account: { id: string } }) => [entry.action, entry.summary, entry.account.id]),
      [
        ['destroy', 'unblocked IP 198.51.100.0/24', admin.accountId],
        ['update', 'changed the block of IP 198.51.100.0/24 (no_access)', admin.accountId],
        ['create', 'blocked IP 198.51.100.0/24 (sign_up_block)', admin.accountId],
      ],
    );
  });
});
