import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * The shared cache outlives a deploy: renderings kept by a version whose serializers rendered
 * differently (here, as the version before the noindex preference kept them, under the marker
 * named `render:generation`) are not served by the next one.
 */
describe('cached renderings across an upgrade', () => {
  let instance: TestInstance;
  let alice: TestUser;
  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  it("does not serve an account rendering kept in an earlier version's format", async () => {
    const fresh = (await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body;
    assert.equal(fresh.noindex, false);
    await instance.ctx.cache.set('render:generation', 'generation-of-the-version-before');
    await instance.ctx.cache.set(
      `render:account:${alice.accountId}`,
      JSON.stringify({ generation: 'generation-of-the-version-before', account: { ...fresh, noindex: true, display_name: 'kept before the upgrade' } }),
    );
    const served = (await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body;
    assert.equal(served.noindex, false);
    assert.notEqual(served.display_name, 'kept before the upgrade');
  });
});
