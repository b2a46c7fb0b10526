import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInstance, type TestInstance } from './instance.ts';
import { freePort } from './process.ts';

/**
 * An instance on a loopback address of its own (127.0.0.2, 127.0.0.3: addresses, because names
 * under .localhost do not resolve everywhere and /etc/hosts may not be writable), federating over
 * plain http (LOCAL_HTTPS=false) with the others on 127.0.0.0/8.
 */
export async function startOn(host: string): Promise<TestInstance> {
  const port = await freePort(host);
  return startInstance({
    env: { LOCAL_DOMAIN: `${host}:${port}`, BIND: host, PORT: String(port), LOCAL_HTTPS: 'false', ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' },
  });
}

/** Polls `probe` until it returns a value (deliveries between the instances are asynchronous). */
export async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
