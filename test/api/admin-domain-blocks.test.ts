import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { domainAllows, domainBlocks } from '../../src/db/schema.ts';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('admin API: instance domain blocks and allows', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let member: TestUser;
  let readOnly: TestUser;
  let moderator: TestUser;
  before(async () => {
    instance = await startInstance();
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member', { scopes: 'read write admin:read admin:write' });
    readOnly = await instance.createUser('reader', { role: 'Admin', scopes: 'read admin:read:domain_blocks' });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
  });
  after(() => instance.close());

  const blockCount = async () => (await instance.ctx.db.select().from(domainBlocks)).length;
  const create = (json: Record<string, unknown>, token: string | null = admin.token) => instance.request('POST', '/api/v1/admin/domain_blocks', { token: token ?? undefined, json });

  it('refuses members, anonymous callers and tokens without an admin scope, changing nothing', async () => {
    const before = await blockCount();
    for (const [token, status, error] of [
      [member.token, 403, 'This action is not allowed'],
      // Mastodon's seeded Moderator may not manage federation
      [moderator.token, 403, 'This action is not allowed'],
      [null, 403, 'This action is not allowed'],
      [readOnly.token, 403, 'This action is outside the authorized scopes'],
    ] as const) {
      const response = await create({ domain: 'nope.example' }, token);
      assert.equal(response.status, status, `${String(token).slice(0, 6)}: ${response.text}`);
      assert.deepEqual(response.body, { error });
    }
    assert.equal((await instance.request('GET', '/api/v1/admin/domain_blocks', { token: member.token })).status, 403);
    assert.equal((await instance.request('GET', '/api/v1/admin/domain_allows', { token: member.token })).status, 403);
    assert.equal((await instance.request('POST', '/api/v1/admin/domain_allows', { token: member.token, json: { domain: 'x.example' } })).status, 403);
    // admin:read:domain_blocks reads blocks, not allows
    assert.equal((await instance.request('GET', '/api/v1/admin/domain_blocks', { token: readOnly.token })).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/admin/domain_allows', { token: readOnly.token })).status, 403);
    assert.equal(await blockCount(), before);
  });

  it('creates a block as Mastodon serializes it, and shows, updates and deletes it', async () => {
    const created = await create({ domain: ' Spam.Example. ', severity: 'suspend', reject_media: 'true', private_comment: 'for staff', public_comment: 'spam', obfuscate: true });
    assert.equal(created.status, 200, created.text);
    const { id, created_at, ...rest } = created.body;
    assert.match(id, /^\d+$/);
    assert.ok(!Number.isNaN(Date.parse(created_at)));
    assert.deepEqual(rest, {
      domain: 'spam.example',
      digest: sha256('spam.example'),
      severity: 'suspend',
      reject_media: true,
      reject_reports: false,
      private_comment: 'for staff',
      public_comment: 'spam',
      obfuscate: true,
    });

    const shown = await instance.request('GET', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token });
    assert.deepEqual(shown.body, created.body);

    const updated = await instance.request('PUT', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token, json: { severity: 'silence', reject_reports: true, domain: 'other.example' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.domain, 'spam.example', 'the domain does not change');
    assert.equal(updated.body.severity, 'silence');
    assert.equal(updated.body.reject_reports, true);
    assert.equal(updated.body.reject_media, true);

    const badSeverity = await instance.request('PUT', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token, json: { severity: 'obliterate' } });
    assert.equal(badSeverity.status, 422, badSeverity.text);
    assert.match(badSeverity.body.error, /^Validation failed/);

    const removed = await instance.request('DELETE', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body, {});
    assert.equal((await instance.request('GET', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token })).status, 404);
    assert.equal((await instance.request('DELETE', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token })).status, 404);
    assert.equal((await instance.request('GET', '/api/v1/admin/domain_blocks/not-an-id', { token: admin.token })).status, 404);
  });

  it('answers 422 for a blank or invalid domain, a bad severity, an existing block or a stricter parent block, creating nothing', async () => {
    const parent = await create({ domain: 'parent.example', severity: 'silence' });
    assert.equal(parent.status, 200, parent.text);
    const before = await blockCount();
    for (const json of [{}, { domain: '' }, { domain: 'not a domain' }, { domain: 'x.example', severity: 'obliterate' }]) {
      const response = await create(json);
      assert.equal(response.status, 422, `${JSON.stringify(json)}: ${response.text}`);
      assert.match(response.body.error, /^Validation failed/);
    }
    const same = await create({ domain: 'parent.example', severity: 'suspend' });
    assert.equal(same.status, 422, same.text);
    assert.equal(same.body.error, 'You have already imposed stricter limits on parent.example.');
    assert.equal(same.body.existing_domain_block.id, parent.body.id);
    // a subdomain block no stricter than its parent's adds nothing
    const weaker = await create({ domain: 'sub.parent.example', severity: 'noop' });
    assert.equal(weaker.status, 422, weaker.text);
    assert.equal(weaker.body.existing_domain_block.domain, 'parent.example');
    assert.equal(await blockCount(), before);
    // a stricter one is taken
    const stricter = await create({ domain: 'sub.parent.example', severity: 'suspend' });
    assert.equal(stricter.status, 200, stricter.text);
    assert.equal(stricter.body.domain, 'sub.parent.example');
  });

  it('pages blocks newest first with Mastodon’s Link header', async () => {
    for (const domain of ['page-a.example', 'page-b.example', 'page-c.example']) assert.equal((await create({ domain, severity: 'noop' })).status, 200);
    const first = await instance.request('GET', '/api/v1/admin/domain_blocks?limit=2', { token: admin.token });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      first.body.map((block: { domain: string }) => block.domain),
      ['page-c.example', 'page-b.example'],
    );
    const link = first.headers.get('link') ?? '';
    assert.match(link, /rel="next"/);
    assert.match(link, /rel="prev"/);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    assert.match(next, /limit=2/);
    const second = await instance.request('GET', new URL(next).pathname + new URL(next).search, { token: admin.token });
    assert.equal(second.body[0].domain, 'page-a.example');
  });

  it('manages domain allows: created once (an existing one answered as it is), listed, shown, deleted', async () => {
    const created = await instance.request('POST', '/api/v1/admin/domain_allows', { token: admin.token, json: { domain: 'Friends.Example' } });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(Object.keys(created.body).sort(), ['created_at', 'domain', 'id']);
    assert.equal(created.body.domain, 'friends.example');
    const again = await instance.request('POST', '/api/v1/admin/domain_allows', { token: admin.token, json: { domain: 'friends.example' } });
    assert.deepEqual(again.body, created.body);
    assert.equal((await instance.ctx.db.select().from(domainAllows)).length, 1);
    const invalid = await instance.request('POST', '/api/v1/admin/domain_allows', { token: admin.token, json: { domain: 'bad domain' } });
    assert.equal(invalid.status, 422, invalid.text);
    const listed = await instance.request('GET', '/api/v1/admin/domain_allows', { token: admin.token });
    assert.deepEqual(listed.body, [created.body]);
    assert.deepEqual((await instance.request('GET', `/api/v1/admin/domain_allows/${created.body.id}`, { token: admin.token })).body, created.body);
    const removed = await instance.request('DELETE', `/api/v1/admin/domain_allows/${created.body.id}`, { token: admin.token });
    assert.deepEqual(removed.body, {});
    assert.equal((await instance.request('GET', `/api/v1/admin/domain_allows/${created.body.id}`, { token: admin.token })).status, 404);
  });

  it('shows the moderated servers at /api/v1/instance/domain_blocks only as show_domain_blocks allows, obfuscated, with digests', async () => {
    assert.equal((await create({ domain: 'hidden-name.example', severity: 'suspend', obfuscate: true, public_comment: 'harassment' })).status, 200);
    // Mastodon's default: shown to nobody
    assert.equal((await instance.request('GET', '/api/v1/instance/domain_blocks')).status, 404);
    assert.equal((await instance.request('GET', '/api/v1/instance/domain_blocks', { token: member.token })).status, 404);

    await updateSetting(instance.ctx, 'show_domain_blocks', 'users');
    assert.equal((await instance.request('GET', '/api/v1/instance/domain_blocks')).status, 404);
    const forUsers = await instance.request('GET', '/api/v1/instance/domain_blocks', { token: member.token });
    assert.equal(forUsers.status, 200, forUsers.text);

    await updateSetting(instance.ctx, 'show_domain_blocks', 'all');
    await updateSetting(instance.ctx, 'show_domain_blocks_rationale', 'all');
    const shown = await instance.request('GET', '/api/v1/instance/domain_blocks');
    assert.equal(shown.status, 200, shown.text);
    const hidden = shown.body.find((block: { digest: string }) => block.digest === sha256('hidden-name.example'));
    assert.deepEqual(hidden, { domain: 'hidde******.***mple', digest: sha256('hidden-name.example'), severity: 'suspend', comment: 'harassment' });
    // noop blocks are not shown; suspensions come first
    assert.ok(!shown.body.some((block: { severity: string }) => block.severity === 'noop'));
    const severities = shown.body.map((block: { severity: string }) => block.severity);
    assert.deepEqual(
      severities,
      [...severities].sort((a: string, b: string) => (a === b ? 0 : a === 'suspend' ? -1 : 1)),
    );
  });

  it('records each change of a block or allow in the audit log, with who made it', async () => {
    const block = await create({ domain: 'logged.example', severity: 'silence' });
    await instance.request('PUT', `/api/v1/admin/domain_blocks/${block.body.id}`, { token: admin.token, json: { severity: 'suspend' } });
    await instance.request('DELETE', `/api/v1/admin/domain_blocks/${block.body.id}`, { token: admin.token });
    const allow = await instance.request('POST', '/api/v1/admin/domain_allows', { token: admin.token, json: { domain: 'friendly.example' } });
    await instance.request('DELETE', `/api/v1/admin/domain_allows/${allow.body.id}`, { token: admin.token });

    const entries = async (type: string, id: string) => {
      const log = await instance.request('GET', `/api/v1/admin/action_logs?target_type=${type}&target_id=${id}`, { token: admin.token });
      assert.equal(log.status, 200, log.text);
      return log.body.map((entry: { action: string; summary: string; account: { id: string } }) => [entry.action, entry.summary, entry.account.id]);
    };
    assert.deepEqual(await entries('DomainBlock', block.body.id), [
      ['destroy', 'unblocked domain logged.example', admin.accountId],
      ['update', 'changed the block of domain logged.example (suspend)', admin.accountId],
      ['create', 'blocked domain logged.example (silence)', admin.accountId],
    ]);
    assert.deepEqual(await entries('DomainAllow', allow.body.id), [
      ['destroy', 'stopped allowing federation with domain friendly.example', admin.accountId],
      ['create', 'allowed federation with domain friendly.example', admin.accountId],
    ]);
  });
});
