import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createServerDatabase, serverMode, statementModeEnv } from '../helpers/instance.ts';
import { roleProcessEnv, runSubspace, waitFor, waitForHealthy, type RunningProcess } from '../helpers/process.ts';

/** `subspace web` with WEB_CONCURRENCY, as Puma's cluster mode: worker processes sharing one port. */

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** One request on a connection of its own (keep-alive would pin every request to one worker), and the worker that answered. */
function workerAnswering(url: string): Promise<{ status: number; worker?: string }> {
  return new Promise((resolve, reject) => {
    get(`${url}/health`, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, worker: response.headers['x-subspace-web-worker'] as string | undefined }));
    }).on('error', reject);
  });
}

const listeningUrl = (web: RunningProcess) => waitFor(`the web role to listen\n${web.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(web.output())?.[1], 60_000);

async function environment(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-web-concurrency-'));
  dirs.push(dir);
  const env = { ...roleProcessEnv(dir), WEB_CONCURRENCY: '2' };
  if (!serverMode) return { env, drop: async () => {} };
  const database = await createServerDatabase();
  return { env: { ...env, DATABASE_URL: database.url, ...statementModeEnv(), SECRET_KEY_BASE: 'x'.repeat(64) }, drop: database.drop };
}

describe('subspace web with WEB_CONCURRENCY', () => {
  test(serverMode ? 'two worker processes answer on one port, and stop gracefully on SIGTERM' : 'embedded mode runs one web process and says why', async () => {
    const { env, drop } = await environment();
    const web = runSubspace(['web'], env);
    try {
      const url = await listeningUrl(web);
      await waitForHealthy(url, web);
      if (!serverMode) {
        assert.match(web.output(), /WEB_CONCURRENCY is for server mode/);
        const answer = await workerAnswering(url);
        assert.equal(answer.status, 200);
        assert.equal(answer.worker, undefined, 'no worker processes in embedded mode');
        return;
      }
      await waitFor(`both workers to listen\n${web.output()}`, async () => (web.output().match(/web worker \d+ \(pid \d+\) is listening/g)?.length ?? 0) >= 2, 60_000);
      const workers = new Set<string>();
      for (let attempt = 0; attempt < 40 && workers.size < 2; attempt++) {
        const answer = await workerAnswering(url);
        assert.equal(answer.status, 200);
        assert.ok(answer.worker, 'a web worker answers');
        workers.add(answer.worker);
      }
      assert.equal(workers.size, 2, `answers came from ${[...workers].join(', ')}\n${web.output()}`);
      const pids = [...workers].map((worker) => Number(worker.split('/')[1]));
      assert.ok(!pids.includes(web.child.pid!), 'the primary process only supervises');
      web.child.kill('SIGTERM');
      assert.equal(await web.exited, 0, web.output());
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'every worker stopped with the primary');
    } finally {
      if (web.child.exitCode === null && web.child.signalCode === null) {
        web.child.kill('SIGKILL');
        await web.exited;
      }
      await drop();
    }
  });
});
