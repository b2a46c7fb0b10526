import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { terminalProgress } from '../../src/cli/progress.ts';
import { statusSearchDocuments } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/** `subspace search deploy` (tootctl search deploy): every status's search document written again, on a progress bar. */
describe('subspace search deploy', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const found = async (q: string) => {
    const res = await instance.request('GET', `/api/v2/search?${new URLSearchParams({ q, type: 'statuses' })}`, { token: alice.token });
    assert.equal(res.status, 200, res.text);
    return res.body.statuses.map((s: { id: string }) => s.id);
  };

  it('answers --help and refuses bad arguments', async () => {
    const help = await runAdminCommand(instance.ctx, ['search', 'deploy', '--help']);
    assert.equal(help.exitCode, 0);
    assert.match(help.stdout, /^Usage:\n {2}subspace search deploy \[--batch-size N\]/);
    assert.equal((await runAdminCommand(instance.ctx, ['search', 'deploy', '--batch-size', '0'])).exitCode, 2);
    assert.equal((await runAdminCommand(instance.ctx, ['search', 'deploy', 'extra'])).exitCode, 2);
  });

  it('rebuilds the documents of all statuses, a batch at a time, reporting progress', async () => {
    const ids: string[] = [];
    for (const word of ['Heron one', 'Heron two', 'Heron three']) {
      const res = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: word } });
      assert.equal(res.status, 200, res.text);
      ids.unshift(res.body.id);
    }
    const boost = await instance.request('POST', `/api/v1/statuses/${ids[0]}/reblog`, { token: alice.token });
    assert.equal(boost.status, 200, boost.text);
    assert.deepEqual(await found('heron'), ids, 'documents are written with the statuses');

    // as after restoring a database without them
    await instance.ctx.db.delete(statusSearchDocuments);
    assert.deepEqual(await found('heron'), []);

    let lines = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines += String(chunk);
        done();
      },
    });
    const result = await runAdminCommand(instance.ctx, ['search', 'deploy', '--batch-size', '2'], terminalProgress(stream as unknown as NodeJS.WriteStream));
    assert.deepEqual(result, { stdout: 'OK, indexed 3 statuses\n', stderr: '', exitCode: 0 }, 'the reblog has no document');
    assert.match(lines, /Processed 3\/3\n$/);
    assert.deepEqual(await found('heron'), ids);
    assert.equal((await runAdminCommand(instance.ctx, ['search', 'deploy'])).stdout, 'OK, indexed 3 statuses\n', 'a second run writes them again');
  });
});
