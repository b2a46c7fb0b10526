import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownAddress, ownPort } from '../helpers/loopback.ts';
import { startInstance } from '../helpers/instance.ts';

describe('GET /health', () => {
  it('answers OK when every dependency answers', async () => {
    const instance = await startInstance();
    try {
      const plain = await instance.request('GET', '/health');
      assert.equal(plain.status, 200);
      assert.equal(plain.text, 'OK');
      const json = await instance.request('GET', '/health?format=json');
      assert.deepEqual(json.body, { status: 'ok', database: 'ok', cache: 'ok', queue: 'ok', pubsub: 'ok' });
    } finally {
      await instance.close();
    }
  });

  it('reports a dead Redis as degraded within seconds instead of hanging', async () => {
    // nothing listens on the file's own address but what it starts
    const instance = await startInstance({ env: { REDIS_URL: `redis://${ownAddress()}:${ownPort()}/0` }, roles: { web: true } });
    try {
      const started = Date.now();
      const response = await instance.request('GET', '/health?format=json');
      assert.ok(Date.now() - started < 5000);
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'degraded');
      assert.equal(response.body.database, 'ok');
      assert.equal(response.body.cache, 'down');
    } finally {
      await instance.close();
    }
  });
});
