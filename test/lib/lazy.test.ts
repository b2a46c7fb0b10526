import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lazy } from '../../src/lib/lazy.ts';

test('lazy makes its value once, on the first call', async () => {
  let made = 0;
  const value = lazy(async () => ++made);
  assert.equal(made, 0);
  assert.deepEqual(await Promise.all([value(), value()]), [1, 1]);
  assert.equal(await value(), 1);
  assert.equal(made, 1);
});

test('lazy does not remember a failure: the next call tries again', async () => {
  let calls = 0;
  const value = lazy(async () => {
    calls += 1;
    if (calls === 1) throw new Error('not yet');
    return 'loaded';
  });
  await assert.rejects(value(), /not yet/);
  assert.equal(await value(), 'loaded');
  assert.equal(calls, 2);
});
