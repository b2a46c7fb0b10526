import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ownAddress } from '../helpers/loopback.ts';
import { scrape, total } from '../helpers/metrics.ts';
import { roleProcessEnv, runSubspace, waitFor, waitForHealthy, type RunningProcess } from '../helpers/process.ts';

/** Role processes as an admin runs them (`subspace web`, `subspace worker`, `subspace config check`), embedded. */

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function environment(extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-role-metrics-'));
  dirs.push(dir);
  return {
    ...roleProcessEnv(dir),
    MASTODON_PROMETHEUS_EXPORTER_ENABLED: 'true',
    MASTODON_PROMETHEUS_EXPORTER_HOST: ownAddress(),
    MASTODON_PROMETHEUS_EXPORTER_PORT: '0',
    ...extra,
  };
}

async function stop(running: RunningProcess) {
  running.child.kill('SIGINT');
  await running.exited;
}

const exporterOf = (running: RunningProcess) => waitFor(`the exporter to listen\n${running.output()}`, async () => /metrics at (http:\/\/\S+?)\/metrics/.exec(running.output())?.[1], 60_000);

describe('metrics and warnings of a role process', () => {
  test('`subspace web` serves its metrics on its exporter, and warns once about each variable it ignores', async () => {
    const web = runSubspace(['web'], environment({ SMTP_SEVER: 'mail.example.com', MIN_THREADS: '2' }));
    try {
      const url = await waitFor(`the web role to listen\n${web.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(web.output())?.[1], 60_000);
      await waitForHealthy(url, web);
      const exporter = await exporterOf(web);
      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${url}/api/v1/instance`)).status, 200);
      const samples = await scrape(exporter);
      assert.equal(total(samples, 'subspace_http_requests_total', { method: 'GET', route: '/api/v1/instance', status: '200' }), 2);
      assert.ok(total(samples, 'process_resident_memory_bytes') > 0);
      assert.ok(!samples.some((sample) => sample.name === 'subspace_queue_size'), 'a web process leaves the queues to workers and the scheduler');
      assert.equal((await fetch(`${exporter}/health/ready`)).status, 200);
      const output = web.output();
      assert.equal(output.match(/SMTP_SEVER is not a variable Subspace reads: did you mean SMTP_SERVER\?/g)?.length, 1, output);
      assert.equal(output.match(/MIN_THREADS is a Mastodon setting Subspace does not support/g)?.length, 1, output);
    } finally {
      await stop(web);
    }
  });

  test('`subspace worker` serves its metrics: job counters and the queues', async () => {
    const worker = runSubspace(['worker', '--queues', 'default,push'], environment());
    try {
      const exporter = await exporterOf(worker);
      const samples = await scrape(exporter);
      assert.equal(total(samples, 'subspace_queue_size', { queue: 'default' }), 0);
      assert.ok(samples.some((sample) => sample.name === 'subspace_queue_latency_seconds'));
      assert.ok(!samples.some((sample) => sample.name === 'subspace_http_requests_total' && sample.value > 0), 'a worker answers no HTTP');
    } finally {
      await stop(worker);
    }
  });

  test('`subspace config check` prints the effective configuration with secrets masked, and the warnings', async () => {
    const check = runSubspace(
      ['config', 'check'],
      environment({ SMTP_SERVER: 'smtp.example.com', SMTP_PASSWORD: 'smtp-password', REDIS_URL: 'redis://:redis-password@127.0.0.1:6379/0', ALTERNATE_DOMAINS: 'other.example' }),
    );
    assert.equal(await check.exited, 0, check.output());
    const output = check.output();
    assert.match(output, /^mail\.smtp\.server = smtp\.example\.com$/m);
    assert.match(output, /^mail\.smtp\.password = \*{8}$/m);
    assert.match(output, /^redis\.url = redis:\/\/:\*{8}@127\.0\.0\.1:6379\/0$/m);
    assert.match(output, /^secretKeyBase = \*{8}$/m);
    assert.match(output, /^metrics\.enabled = true$/m);
    assert.match(output, /warning: ALTERNATE_DOMAINS is a Mastodon setting Subspace does not support/);
    assert.ok(!/smtp-password|redis-password/.test(output), 'no secret printed');
    const bad = runSubspace(['config', 'check'], environment({ PORT: 'eighty' }));
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /configuration error: PORT/);
  });
});
