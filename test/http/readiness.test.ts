import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCommand, TestRedis } from '../helpers/cluster.ts';
import { redisMode, startInstance } from '../helpers/instance.ts';
import { s3Endpoint } from '../helpers/s3.ts';
import { METRICS_ENV } from '../helpers/metrics.ts';
import { until } from '../helpers/until.ts';

/** `GET /health/ready`: the readiness probe (database, Redis when configured, media storage). */
describe('GET /health/ready', () => {
  it('answers 200 with each check when every dependency answers, on the web port and on a worker’s exporter', async () => {
    const instance = await startInstance({ env: METRICS_ENV, roles: { web: true } });
    const worker = await startInstance({ env: METRICS_ENV, roles: { worker: { queues: ['default'], concurrency: 1 } } });
    try {
      const response = await instance.request('GET', '/health/ready');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const expected = { status: 'ready', database: 'ok', ...(redisMode ? { redis: 'ok' } : {}), storage: 'ok', failed: [] };
      assert.deepEqual(response.body, expected);
      // a worker has no HTTP port but its exporter's
      assert.equal(worker.url, undefined);
      const workerReady = await fetch(`${worker.metricsUrl}/health/ready`);
      assert.equal(workerReady.status, 200);
      assert.deepEqual(await workerReady.json(), expected);
    } finally {
      await instance.close();
      await worker.close();
    }
  });

  it('answers 503 naming the storage when media cannot be written', { skip: s3Endpoint ? 'media are in a bucket' : false }, async () => {
    const instance = await startInstance({ roles: { web: true } });
    try {
      const media = join(instance.dataDir, 'media');
      rmSync(media, { recursive: true, force: true });
      writeFileSync(media, 'not a directory');
      const response = await instance.request('GET', '/health/ready');
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'unavailable');
      assert.equal(response.body.storage, 'down');
      assert.equal(response.body.database, 'ok');
      assert.deepEqual(response.body.failed, ['storage']);
      rmSync(media);
      assert.equal((await instance.request('GET', '/health/ready')).status, 200, 'ready again once it can');
    } finally {
      await instance.close();
    }
  });

  it('answers 503 naming Redis while it is stopped, and 200 once it is back', { skip: hasCommand('redis-server') ? false : 'redis-server is not on PATH' }, async () => {
    const redis = await TestRedis.start({ persistent: false });
    const instance = await startInstance({ env: { REDIS_URL: redis.url }, roles: { web: true } });
    try {
      assert.equal((await instance.request('GET', '/health/ready')).status, 200);
      await redis.stop();
      const started = Date.now();
      const response = await instance.request('GET', '/health/ready');
      assert.ok(Date.now() - started < 5000, 'a probe does not hang');
      assert.equal(response.status, 503);
      assert.equal(response.body.redis, 'down');
      assert.deepEqual(response.body.failed, ['redis']);
      await redis.start();
      await until(async () => (await instance.request('GET', '/health/ready')).status === 200, 'ready once Redis is back');
    } finally {
      await instance.close();
      await redis.close();
    }
  });
});
