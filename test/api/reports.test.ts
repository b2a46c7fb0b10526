import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts, reports } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('POST /api/v1/reports', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
  });
  after(() => instance.close());

  const report = (json: Record<string, unknown>, token = alice.token) => instance.request('POST', '/api/v1/reports', { token, json });
  const postAs = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const countReports = async () => (await instance.ctx.db.select().from(reports)).length;

  it('reports an account with statuses, answering with a Report entity', async () => {
    const first = await postAs(bob, { status: 'one' });
    const second = await postAs(bob, { status: 'two', visibility: 'unlisted' });
    const response = await report({ account_id: bob.accountId, status_ids: [first.id, second.id], comment: 'rude', category: 'other' });
    assert.equal(response.status, 200, response.text);
    const body = response.body;
    assert.deepEqual(Object.keys(body).sort(), ['action_taken', 'action_taken_at', 'category', 'comment', 'created_at', 'forwarded', 'id', 'rule_ids', 'status_ids', 'target_account'].sort());
    assert.match(body.id, /^\d+$/);
    assert.equal(body.action_taken, false);
    assert.equal(body.action_taken_at, null);
    assert.equal(body.category, 'other');
    assert.equal(body.comment, 'rude');
    assert.equal(body.forwarded, false);
    assert.deepEqual(body.status_ids.sort(), [first.id, second.id].sort());
    assert.equal(body.rule_ids, null);
    assert.equal(body.target_account.id, bob.accountId);
    assert.equal(body.target_account.acct, 'bob');
    assert.ok(response.headers.get('x-ratelimit-limit'), 'the reports rate limit is shown');
    const [row] = await instance.ctx.db.select().from(reports).where(eq(reports.id, body.id));
    assert.equal(row!.accountId, alice.accountId);

    // form parameters work too, and a deleted status may still be reported
    const gone = await postAs(bob, { status: 'soon deleted' });
    assert.equal((await instance.request('DELETE', `/api/v1/statuses/${gone.id}`, { token: bob.token })).status, 200);
    const form = await instance.request('POST', '/api/v1/reports', { token: alice.token, form: { account_id: bob.accountId, 'status_ids[]': gone.id, comment: 'deleted one', category: 'spam' } });
    assert.equal(form.status, 200, form.text);
    assert.deepEqual(form.body.status_ids, [gone.id]);
    assert.equal(form.body.category, 'spam');
  });

  it('answers 404 for an unknown or suspended account, or a status that is not the account’s or not visible', async () => {
    const before = await countReports();
    assert.equal((await report({ account_id: '999999999' })).status, 404);
    assert.equal((await report({ account_id: 'nope' })).status, 404);
    assert.equal((await report({})).status, 404);
    const carols = await postAs(carol, { status: 'carol here' });
    const notBobs = await report({ account_id: bob.accountId, status_ids: [carols.id] });
    assert.equal(notBobs.status, 404);
    assert.deepEqual(notBobs.body, { error: 'Record not found' });
    const secret = await postAs(bob, { status: 'followers only', visibility: 'private' });
    assert.equal((await report({ account_id: bob.accountId, status_ids: [secret.id] })).status, 404, 'alice does not follow bob');
    assert.equal((await report({ account_id: bob.accountId, status_ids: ['12x'] })).status, 404);
    const dave = await instance.createUser('dave');
    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, dave.accountId));
    assert.equal((await report({ account_id: dave.accountId })).status, 404);
    assert.equal(await countReports(), before, 'nothing recorded');
  });

  it('answers 422 for a long comment, an unknown category, or rule ids that name no rule', async () => {
    const before = await countReports();
    const long = await report({ account_id: bob.accountId, comment: 'x'.repeat(1001) });
    assert.equal(long.status, 422);
    assert.deepEqual(long.body, { error: 'Validation failed: Comment is too long (maximum is 1000 characters)' });
    const category = await report({ account_id: bob.accountId, category: 'boring' });
    assert.equal(category.status, 422);
    assert.match(category.body.error, /Category/);
    const rules = await report({ account_id: bob.accountId, rule_ids: ['1'] });
    assert.equal(rules.status, 422);
    assert.equal(rules.body.error, 'Validation failed: Rule ids does not reference valid rules');
    const violation = await report({ account_id: bob.accountId, category: 'violation' });
    assert.equal(violation.status, 422);
    assert.equal(await countReports(), before, 'nothing recorded');
    // exactly 1000 characters is fine
    assert.equal((await report({ account_id: bob.accountId, comment: 'x'.repeat(1000) })).status, 200);
  });

  it('needs a user token with write:reports (or write)', async () => {
    const readOnly = await instance.createUser('reader', { scopes: 'read' });
    assert.equal((await report({ account_id: bob.accountId }, readOnly.token)).status, 403);
    const scoped = await instance.createUser('scoped', { scopes: 'write:reports' });
    assert.equal((await report({ account_id: bob.accountId }, scoped.token)).status, 200);
    const anonymous = await instance.request('POST', '/api/v1/reports', { json: { account_id: bob.accountId } });
    assert.equal(anonymous.status, 401);
  });
});
