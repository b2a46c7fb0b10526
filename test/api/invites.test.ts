import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { baseUrl } from '../../src/config/index.ts';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { invites, users } from '../../src/db/schema.ts';
import { updateSetting, type RegistrationsMode } from '../../src/services/accounts/settings.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';

describe('invites: made by those who may invite, used at sign-up', () => {
  let instance: TestInstance;
  let moderator: TestUser;
  let member: TestUser;
  let appToken: string;
  before(async () => {
    instance = await startInstance({ registrations: 'none' });
    moderator = await instance.createUser('moderator', { role: 'Moderator' });
    member = await instance.createUser('member');
    appToken = await signUpAppToken(instance);
  });
  after(() => instance.close());

  const mode = (value: RegistrationsMode) => updateSetting(instance.ctx, 'registrations_mode', value);
  const invite = async (form: Record<string, string>, token = moderator.token) => instance.request('POST', '/api/v1/invites', { token, form });

  it("lets members (Mastodon's everyone role may invite) and staff make invites, and shows each their own", async () => {
    const byMember = await invite({ max_uses: '1' }, member.token);
    assert.equal(byMember.status, 200, byMember.text);
    assert.deepEqual(
      (await instance.request('GET', '/api/v1/invites', { token: member.token })).body.map((entry: { id: string }) => entry.id),
      [byMember.body.id],
    );
    const readOnly = await instance.createUser('readonly', { scopes: 'read' });
    assert.equal((await invite({}, readOnly.token)).status, 403);
    assert.equal((await instance.request('GET', '/api/v1/invites')).status, 401);
    assert.equal((await invite({ max_uses: '0' })).status, 422);
    assert.equal((await invite({ expires_in: 'soon' })).status, 422);

    const made = await invite({ max_uses: '2', expires_in: '86400', comment: 'for friends' });
    assert.equal(made.status, 200, made.text);
    const { id, code, expires_at, created_at, ...rest } = made.body;
    assert.match(code, /^[A-Za-z0-9_-]{8}$/);
    assert.deepEqual(rest, { url: `${baseUrl(instance.config)}/invite/${code}`, uses: 0, max_uses: 2, autofollow: false, comment: 'for friends' });
    assert.ok(Math.abs(Date.parse(expires_at) - Date.parse(created_at) - 86_400_000) < 60_000);
    const listed = await instance.request('GET', '/api/v1/invites', { token: moderator.token });
    assert.deepEqual(listed.body, [made.body]);
  });

  it('leads from the invite link to the sign-up page, and lets invited sign-ups in while registrations are closed, up to max_uses', async () => {
    await mode('none');
    const { code } = (await invite({ max_uses: '2' })).body;
    for (const path of [`/invite/${code}`, `/invites/${code}`]) {
      const page = await instance.request('GET', path);
      assert.equal(page.status, 302);
      assert.equal(page.headers.get('location'), `/auth/sign_up?invite_code=${code}`);
    }
    assert.equal((await instance.request('GET', '/invite/nosuchcode')).status, 404);

    assert.equal((await signUp(instance, appToken, 'uninvited')).status, 403);
    assert.equal((await signUp(instance, appToken, 'badcode', { invite_code: 'nosuchcode' })).status, 403);
    for (const username of ['invited1', 'invited2']) {
      const response = await signUp(instance, appToken, username, { invite_code: code });
      assert.equal(response.status, 200, response.text);
      const user = await signedUpUser(instance, `${username}@example.com`);
      assert.equal(user!.approved, true);
    }
    const [stored] = await instance.ctx.db.select().from(invites).where(eq(invites.code, code));
    assert.equal(stored!.uses, 2);
    assert.equal((await signedUpUser(instance, 'invited1@example.com'))!.inviteId, stored!.id);
    // used up
    assert.equal((await signUp(instance, appToken, 'invited3', { invite_code: code })).status, 403);
    assert.equal((await instance.request('GET', `/invite/${code}`)).status, 404);
    // a sign-up that fails validation does not use the invite
    const another = (await invite({ max_uses: '1' })).body;
    assert.equal((await signUp(instance, appToken, 'bad name!', { invite_code: another.code })).status, 422);
    assert.equal((await signUp(instance, appToken, 'invited4', { invite_code: another.code })).status, 200);
  });

  it('shows staff who invited whom: invited_by_account_id, and the invited_by filter by the inviting user', async () => {
    const staff = await instance.createUser('inviteadmin', { role: 'Admin', scopes: 'admin:read' });
    const { code } = (await invite({ max_uses: '1' }, member.token)).body;
    assert.equal((await signUp(instance, appToken, 'memberguest', { invite_code: code })).status, 200);
    const guest = await signedUpUser(instance, 'memberguest@example.com');

    const shown = await instance.request('GET', `/api/v1/admin/accounts/${guest!.accountId}`, { token: staff.token });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.invited_by_account_id, member.accountId);
    assert.match(shown.body.created_by_application_id, /^\d+$/, 'signed up through an app');
    const uninvited = await instance.request('GET', `/api/v1/admin/accounts/${member.accountId}`, { token: staff.token });
    assert.equal('invited_by_account_id' in uninvited.body, false, 'only there when the member was invited');

    const invitedBy = async (value: string) =>
      (await instance.request('GET', `/api/v2/admin/accounts?invited_by=${value}`, { token: staff.token })).body.map((entry: { username: string }) => entry.username);
    assert.deepEqual(await invitedBy(member.userId), ['memberguest']);
    assert.deepEqual(await invitedBy(member.accountId === member.userId ? '0' : member.accountId), []);
    assert.deepEqual(await invitedBy('nonsense'), []);
  });

  it('refuses expired invites, and skips approval with a valid one unless an IP block asks for it', async () => {
    await mode('approved');
    const expiring = (await invite({ expires_in: '3600' })).body;
    await instance.ctx.db
      .update(invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invites.code, expiring.code));
    assert.equal((await instance.request('GET', `/invite/${expiring.code}`)).status, 404);
    assert.equal((await signUp(instance, appToken, 'expiredinvite', { invite_code: expiring.code })).status, 200);
    assert.equal((await signedUpUser(instance, 'expiredinvite@example.com'))!.approved, false);

    const valid = (await invite({})).body;
    assert.equal((await signUp(instance, appToken, 'skipsreview', { invite_code: valid.code })).status, 200);
    assert.equal((await signedUpUser(instance, 'skipsreview@example.com'))!.approved, true);

    const admin = await instance.createUser('admin', { role: 'Admin', scopes: 'admin:write' });
    const block = await instance.request('POST', '/api/v1/admin/ip_blocks', { token: admin.token, json: { ip: '203.0.113.0/24', severity: 'sign_up_requires_approval' } });
    assert.equal(block.status, 200, block.text);
    assert.equal((await signUp(instance, appToken, 'reviewedanyway', { invite_code: valid.code, ip: '203.0.113.5' })).status, 200);
    assert.equal((await signedUpUser(instance, 'reviewedanyway@example.com'))!.approved, false);

    // an invite with autofollow: the new member follows its maker once confirmed and approved
    const following = (await invite({ autofollow: 'true' })).body;
    assert.equal(following.autofollow, true);
    assert.equal((await signUp(instance, appToken, 'follower', { invite_code: following.code, ip: '203.0.113.6' })).status, 200);
    const pending = (await signedUpUser(instance, 'follower@example.com'))!;
    await instance.ctx.db.update(users).set({ confirmedAt: new Date() }).where(eq(users.id, pending.id));
    const approved = await runAdminCommand(instance.ctx, ['accounts', 'approve', 'follower']);
    assert.equal(approved.exitCode, 0, approved.stderr);
    const relationship = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${pending.accountId}`, { token: moderator.token });
    assert.equal(relationship.body[0].followed_by, true);

    // expiring an invite by hand
    assert.equal((await instance.request('DELETE', `/api/v1/invites/${valid.id}`, { token: moderator.token })).status, 200);
    assert.equal((await instance.request('GET', `/invite/${valid.code}`)).status, 404);
    // only its maker may expire an invite
    assert.equal((await instance.request('DELETE', `/api/v1/invites/${valid.id}`, { token: member.token })).status, 404);
  });
});
