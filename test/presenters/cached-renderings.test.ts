import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts, statuses } from '../../src/db/schema.ts';
import { cachedAccounts, forgetAccounts, keepAccounts } from '../../src/presenters/account-cache.ts';
import { cachedStatusParts, forgetStatusParts, keepStatusParts } from '../../src/presenters/status-parts-cache.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * The shared cache of renderings (Redis in server mode) is exact across processes and deploys: a
 * rendering made from rows read before a change is not served after the change forgot the entry,
 * and renderings kept by a version whose serializers rendered differently are not served by the next.
 */
describe('cached renderings', () => {
  let instance: TestInstance;
  let alice: TestUser;
  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const account = async () => (await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body;

  it("does not serve an account rendering kept in an earlier version's format", async () => {
    const fresh = await account();
    assert.equal(fresh.noindex, false);
    // as the version before the noindex preference kept them, under the marker named `render:generation`
    await instance.ctx.cache.set('render:generation', 'generation-of-the-version-before');
    await instance.ctx.cache.set(
      `render:account:${alice.accountId}`,
      JSON.stringify({ generation: 'generation-of-the-version-before', account: { ...fresh, noindex: true, display_name: 'kept before the upgrade' } }),
    );
    const served = await account();
    assert.equal(served.noindex, false);
    assert.notEqual(served.display_name, 'kept before the upgrade');
  });

  it('does not serve an account rendered before a change that forgot it, kept after', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'by the author' } });
    assert.equal(posted.status, 200, posted.text);
    const before = await account();
    // a page starts rendering: it reads the cache (a miss), then the rows
    await forgetAccounts(instance.ctx, [alice.accountId]);
    const read = await cachedAccounts(instance.ctx, [alice.accountId]);
    assert.equal(read.found.size, 0);
    // meanwhile the profile changes, and the change forgets the cached rendering
    await instance.ctx.db.update(accounts).set({ displayName: 'Alice, changed' }).where(eq(accounts.id, alice.accountId));
    await forgetAccounts(instance.ctx, [alice.accountId]);
    // the page keeps what it rendered from the rows it read before the change
    await keepAccounts(instance.ctx, read, [{ account: before, moved: false }]);
    // a status's author is rendered through the cache
    const shown = await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: alice.token });
    assert.equal(shown.body.account.display_name, 'Alice, changed');
    // and a rendering begun after the change is kept and served
    assert.equal((await cachedAccounts(instance.ctx, [alice.accountId])).found.get(alice.accountId)?.display_name, 'Alice, changed');
  });

  it('does not serve status parts rendered before a change that forgot them, kept after', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'first words #before' } });
    assert.equal(posted.status, 200, posted.text);
    const id = posted.body.id as string;
    const [row] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, id));
    const read = await cachedStatusParts(instance.ctx, [id]);
    // an edit-free change to the parts (here the tags; in life a card attached or a vote), then forgotten
    await forgetStatusParts(instance.ctx, [id]);
    const stale = { ...read.entries.get(id)!.parts, tags: [] };
    await keepStatusParts(instance.ctx, read, [{ status: row!, parts: stale }]);
    const shown = await instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token });
    assert.deepEqual(
      shown.body.tags.map((tag: { name: string }) => tag.name),
      ['before'],
      'the parts rendered before the change are not served',
    );
  });
});
