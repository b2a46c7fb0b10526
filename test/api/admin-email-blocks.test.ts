import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { canonicalEmailBlocks, emailDomainBlocks } from '../../src/db/schema.ts';
import { setEmailDnsResolver } from '../../src/services/accounts/email-mx.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A fake DNS: domains with their MX hosts, hosts with addresses; anything else has no record. */
const MX: Record<string, string[]> = { 'example.com': ['mx.example.com'], 'mail-elsewhere.test': ['mx1.spamhost.example'], 'spam.example': [], 'sub.spam.example': [], 'approve.example': [] };
const ADDRESSES: Record<string, string[]> = {
  'mx.example.com': ['192.0.2.10'],
  'mx1.spamhost.example': ['192.0.2.20'],
  'spam.example': ['192.0.2.30'],
  'sub.spam.example': ['192.0.2.31'],
  'approve.example': ['192.0.2.40'],
};

describe('admin API: e-mail domain blocks and canonical e-mail blocks, applied at sign-up', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  let member: TestUser;
  let ipReader: TestUser;
  let appToken: string;
  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    setEmailDnsResolver(instance.ctx, { mailExchangers: async (domain) => MX[domain] ?? [], addresses: async (host) => ADDRESSES[host] ?? [] });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member', { scopes: 'read write admin:read admin:write' });
    ipReader = await instance.createUser('ipreader', { role: 'Admin', scopes: 'admin:read:ip_blocks admin:write:ip_blocks' });
    appToken = await signUpAppToken(instance);
  });
  after(() => instance.close());

  const api = (method: string, path: string, json?: Record<string, unknown>, token: string | null = admin.token) => instance.request(method, path, { token: token ?? undefined, json });

  it('refuses members, Moderators (no manage_blocks), anonymous callers and tokens without the scope, changing nothing', async () => {
    for (const path of ['/api/v1/admin/email_domain_blocks', '/api/v1/admin/canonical_email_blocks']) {
      for (const [token, error] of [
        [member.token, 'This action is not allowed'],
        [moderator.token, 'This action is not allowed'],
        [null, 'This action is not allowed'],
        [ipReader.token, 'This action is outside the authorized scopes'],
      ] as const) {
        const created = await api('POST', path, { domain: 'nope.example', email: 'nope@nope.example' }, token);
        assert.equal(created.status, 403, `${path} ${created.text}`);
        assert.deepEqual(created.body, { error });
        assert.equal((await api('GET', path, undefined, token)).status, 403);
      }
    }
    assert.equal((await instance.ctx.db.select().from(emailDomainBlocks)).length, 0);
    assert.equal((await instance.ctx.db.select().from(canonicalEmailBlocks)).length, 0);
  });

  it('creates, shows, lists and deletes an e-mail domain block as Mastodon serializes it', async () => {
    const created = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: ' Temp.Example. ' });
    assert.equal(created.status, 200, created.text);
    const { id, created_at, history, ...rest } = created.body;
    assert.match(id, /^\d+$/);
    assert.ok(!Number.isNaN(Date.parse(created_at)));
    assert.deepEqual(rest, { domain: 'temp.example', allow_with_approval: false });
    assert.equal(history.length, 7);
    for (const day of history) assert.deepEqual(Object.keys(day).sort(), ['accounts', 'day', 'uses']);
    assert.equal(history[0].uses, '0');
    assert.equal(Number(history[0].day) % 86400, 0);
    assert.ok(Number(history[0].day) > Number(history[1].day));

    const duplicate = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'temp.example' });
    assert.equal(duplicate.status, 422);
    assert.deepEqual(duplicate.body, { error: 'Validation failed: Domain has already been taken' });
    assert.equal((await api('POST', '/api/v1/admin/email_domain_blocks', { domain: '' })).status, 422);
    assert.equal((await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'not a domain' })).status, 422);

    const shown = await api('GET', `/api/v1/admin/email_domain_blocks/${id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, created.body);
    const approval = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'other.example', allow_with_approval: 'true' });
    assert.equal(approval.body.allow_with_approval, true);
    const listed = await instance.request('GET', '/api/v1/admin/email_domain_blocks?limit=1', { token: admin.token });
    assert.deepEqual(
      listed.body.map((block: { domain: string }) => block.domain),
      ['other.example'],
    );
    assert.match(listed.headers.get('link') ?? '', /max_id=\d+.*rel="next"/);

    assert.equal((await api('DELETE', `/api/v1/admin/email_domain_blocks/${approval.body.id}`)).status, 200);
    assert.equal((await api('DELETE', `/api/v1/admin/email_domain_blocks/${id}`)).status, 200);
    assert.equal((await api('GET', `/api/v1/admin/email_domain_blocks/${id}`)).status, 404);
    assert.equal((await api('DELETE', `/api/v1/admin/email_domain_blocks/${id}`)).status, 404);
  });

  it('creates canonical e-mail blocks by address or by hash, tests addresses against them, and deletes them', async () => {
    const byEmail = await api('POST', '/api/v1/admin/canonical_email_blocks', { email: 'J.Doe+spam@Example.com' });
    assert.equal(byEmail.status, 200, byEmail.text);
    assert.deepEqual(byEmail.body, { id: byEmail.body.id, canonical_email_hash: sha256('jdoe@example.com') });
    const byHash = await api('POST', '/api/v1/admin/canonical_email_blocks', { canonical_email_hash: sha256('other@example.com') });
    assert.equal(byHash.status, 200, byHash.text);
    assert.equal((await api('POST', '/api/v1/admin/canonical_email_blocks', { email: 'jdoe@example.com' })).status, 422);
    assert.equal((await api('POST', '/api/v1/admin/canonical_email_blocks', {})).status, 422);

    const test = await api('POST', '/api/v1/admin/canonical_email_blocks/test', { email: 'jd.oe+whatever@EXAMPLE.com' });
    assert.equal(test.status, 200, test.text);
    assert.deepEqual(test.body, [byEmail.body]);
    assert.deepEqual((await api('POST', '/api/v1/admin/canonical_email_blocks/test', { email: 'someone@example.com' })).body, []);
    const missing = await api('POST', '/api/v1/admin/canonical_email_blocks/test', {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'param is missing or the value is empty: email' });

    assert.deepEqual((await api('GET', `/api/v1/admin/canonical_email_blocks/${byHash.body.id}`)).body, byHash.body);
    const listed = await api('GET', '/api/v1/admin/canonical_email_blocks');
    assert.deepEqual(
      listed.body.map((block: { id: string }) => block.id),
      [byHash.body.id, byEmail.body.id],
    );
    assert.equal((await api('DELETE', `/api/v1/admin/canonical_email_blocks/${byHash.body.id}`)).status, 200);
    assert.equal((await api('GET', `/api/v1/admin/canonical_email_blocks/${byHash.body.id}`)).status, 404);
  });

  it('refuses sign-ups at a blocked domain, its subdomains and domains whose mail goes to a blocked host, and counts them', async () => {
    const spam = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'spam.example' });
    const spamhost = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'spamhost.example' });
    for (const [username, email, blockId] of [
      ['spammer', 'spammer@spam.example', spam.body.id],
      ['subspammer', 'x@sub.spam.example', spam.body.id],
      ['mxspammer', 'y@mail-elsewhere.test', spamhost.body.id],
    ] as const) {
      const response = await signUp(instance, appToken, username, { email, ip: '203.0.113.7' });
      assert.equal(response.status, 422, `${email}: ${response.text}`);
      assert.deepEqual(response.body, {
        error: 'Validation failed: E-mail uses a disallowed e-mail provider',
        details: { email: [{ error: 'ERR_BLOCKED', description: 'uses a disallowed e-mail provider' }] },
      });
      assert.equal(await signedUpUser(instance, email), undefined);
      const shown = await api('GET', `/api/v1/admin/email_domain_blocks/${blockId}`);
      assert.ok(Number(shown.body.history[0].uses) >= 1);
      assert.equal(shown.body.history[0].accounts, '1');
    }
    assert.equal((await api('GET', `/api/v1/admin/email_domain_blocks/${spam.body.id}`)).body.history[0].uses, '2');
    // an address whose domain has no mail host and no address cannot be confirmed
    const unreachable = await signUp(instance, appToken, 'nowhere', { email: 'a@nowhere.invalid' });
    assert.equal(unreachable.status, 422);
    assert.deepEqual(unreachable.body.details, { email: [{ error: 'ERR_UNREACHABLE', description: 'does not seem to exist' }] });
    // other domains are not affected
    assert.equal((await signUp(instance, appToken, 'honest')).status, 200);
  });

  it('refuses an address matching a canonical block, and holds sign-ups at an allow_with_approval domain for approval', async () => {
    const blocked = await signUp(instance, appToken, 'jdoeagain', { email: 'j.doe+new@example.com' });
    assert.equal(blocked.status, 422, blocked.text);
    assert.deepEqual(blocked.body.details, { email: [{ error: 'ERR_TAKEN', description: 'is already taken' }] });

    await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'approve.example', allow_with_approval: true });
    const pending = await signUp(instance, appToken, 'needsreview', { email: 'needsreview@approve.example' });
    assert.equal(pending.status, 200, pending.text);
    assert.equal((await signedUpUser(instance, 'needsreview@approve.example'))!.approved, false);
    assert.equal((await signUp(instance, appToken, 'approvedalready')).status, 200);
    assert.equal((await signedUpUser(instance, 'approvedalready@example.com'))!.approved, true);
  });

  it('records each creation and removal of an e-mail domain or canonical e-mail block in the audit log, with who made it', async () => {
    const domainBlock = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: 'logged.example', allow_with_approval: true });
    await api('DELETE', `/api/v1/admin/email_domain_blocks/${domainBlock.body.id}`);
    const canonicalBlock = await api('POST', '/api/v1/admin/canonical_email_blocks', { email: 'logged@logged.example' });
    await api('DELETE', `/api/v1/admin/canonical_email_blocks/${canonicalBlock.body.id}`);
    const refused = await api('POST', '/api/v1/admin/email_domain_blocks', { domain: '' });
    assert.equal(refused.status, 422);

    const entries = async (type: string, id?: string) => {
      const log = await api('GET', `/api/v1/admin/action_logs?target_type=${type}${id ? `&target_id=${id}` : ''}`);
      assert.equal(log.status, 200, log.text);
      return log.body.map((entry: { action: string; summary: string; account: { id: string } }) => [entry.action, entry.summary, entry.account.id]);
    };
    assert.deepEqual(await entries('EmailDomainBlock', domainBlock.body.id), [
      ['destroy', 'unblocked e-mail domain logged.example', admin.accountId],
      ['create', 'blocked sign-ups from e-mail domain logged.example (allowed with approval)', admin.accountId],
    ]);
    const hash = canonicalBlock.body.canonical_email_hash.slice(0, 12);
    assert.deepEqual(await entries('CanonicalEmailBlock', canonicalBlock.body.id), [
      ['destroy', `unblocked the e-mail address with hash ${hash}`, admin.accountId],
      ['create', `blocked the e-mail address with hash ${hash}`, admin.accountId],
    ]);
    assert.ok(!(await entries('EmailDomainBlock')).some(([, summary]: string[]) => summary.includes('logged@')), 'the address itself is never logged');
  });
});
