import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` every 100 ms until it returns a value, for what happens asynchronously (deliveries,
 * jobs, other processes); fails naming `what` after `timeoutMs`. To prove that something did not
 * happen, wait for the queues to drain instead (`instance.settled()`).
 */
export async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
