import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('X-Request-Id, as Rails sends it', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(async () => {
    await instance.close();
  });

  it('gives every response an id of its own, errors and preflights included', async () => {
    const ids = new Set<string>();
    for (const [method, path] of [
      ['GET', '/api/v1/instance'],
      ['GET', '/api/v1/statuses/0'],
      ['OPTIONS', '/api/v1/timelines/public'],
    ] as const) {
      const response = await fetch(new URL(path, instance.url), { method, headers: { origin: 'https://elk.example', 'access-control-request-method': 'GET' } });
      const id = response.headers.get('x-request-id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/, `${method} ${path}`);
      ids.add(id!);
    }
    assert.equal(ids.size, 3);
  });

  it('keeps the id a proxy sent, cut down to the characters Rails allows', async () => {
    const kept = await fetch(new URL('/api/v1/instance', instance.url), { headers: { 'x-request-id': 'lb-1234@edge' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-1234@edge');
    const cleaned = await fetch(new URL('/api/v1/instance', instance.url), { headers: { 'x-request-id': 'a b<script>c' } });
    assert.equal(cleaned.headers.get('x-request-id'), 'abscriptc');
    const replaced = await fetch(new URL('/api/v1/instance', instance.url), { headers: { 'x-request-id': '<>' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
