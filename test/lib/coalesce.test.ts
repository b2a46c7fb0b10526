import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coalescePerTick } from '../../src/lib/coalesce.ts';

describe('coalescePerTick', () => {
  test('lookups made in the same tick share one load of their distinct keys', async () => {
    const loads: string[][] = [];
    const lookup = coalescePerTick(async (keys: string[]) => {
      loads.push(keys);
      return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.toUpperCase()]));
    });
    const first = await Promise.all([lookup('a'), lookup('b'), lookup('a'), lookup('missing')]);
    assert.deepEqual(first, ['A', 'B', 'A', undefined]);
    assert.deepEqual(loads, [['a', 'b', 'missing']]);
    // a later tick is a new batch
    assert.equal(await lookup('c'), 'C');
    assert.deepEqual(loads, [['a', 'b', 'missing'], ['c']]);
  });

  test('batches of at most maxBatch keys; a failed load rejects only its own lookups', async () => {
    const loads: number[][] = [];
    const lookup = coalescePerTick(async (keys: number[]) => {
      loads.push(keys);
      if (keys.includes(3)) throw new Error('load failed');
      return new Map(keys.map((key) => [key, key * 10]));
    }, 2);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((key) => lookup(key)));
    assert.deepEqual(loads, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message)),
      [10, 20, 'load failed', 'load failed', 50],
    );
  });
});
