import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from './redis-unavailable.ts';

export type { Redis } from 'ioredis';

export interface CreateRedisOptions {
  /** shown by CLIENT LIST */
  name?: string;
}

/**
 * How long a request waits for a Redis that is away (a restart, a fail-over) before giving up:
 * long enough to ride out a restart, short enough that the request answers instead of hanging.
 */
export const REDIS_WAIT_MS = 10_000;

export { RedisUnavailableError };

/** Reconnection delay in ms: exponential from 50 ms, capped at 3 s, with a little jitter so clients do not stampede. */
export function redisRetryDelay(times: number): number {
  const base = Math.min(50 * 2 ** Math.min(times, 10), 3000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * An ioredis client for a `redis://` or `rediss://` URL that keeps reconnecting for as long as the
 * process lives. TLS trusts the system store plus NODE_EXTRA_CA_CERTS.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const parsed = new URL(url);
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
  const redisOptions: RedisOptions = {
    retryStrategy: redisRetryDelay,
    // A replica promoted during fail-over answers writes with READONLY: reconnect and resend.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    // Commands wait for the connection (BullMQ requires it); callers bound the wait with whenConnected().
    maxRetriesPerRequest: null,
    connectionName: options.name,
  };
  if (parsed.protocol === 'rediss:') {
    // SNI must not carry an IP address; the certificate is still checked against it.
    redisOptions.tls = isIP(hostname) ? {} : { servername: hostname };
  }
  const client = new Redis(url, redisOptions);
  // Errors while Redis is away are expected and retried; without a listener ioredis would print each one.
  client.on('error', () => {});
  return client;
}

/** Resolves once `client` is connected, or fails at `deadline` (epoch ms). */
function whenReady(client: Redis, deadline: number, unavailable: () => Error): Promise<void> {
  // a closed client fails its commands at once ("Connection is closed"), no need to wait
  if (client.status === 'ready' || client.status === 'end') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        client.off('ready', ready);
        reject(unavailable());
      },
      Math.max(0, deadline - Date.now()),
    );
    client.once('ready', ready);
  });
}

/** `work`, or the `unavailable` error once `deadline` (epoch ms) passes. */
async function withDeadline<T>(work: Promise<T>, deadline: number, unavailable: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const redisUnavailable = () => new RedisUnavailableError('Redis did not answer in time');

/**
 * Runs `work` (commands on `client`) once the client is connected, waiting for the connection and
 * the answers at most `waitMs` in all, then failing with `unavailable()` (a RedisUnavailableError).
 * While Redis is away nothing is sent, so work that failed is not done later; only a command
 * already sent when the connection dropped is resent on reconnection.
 */
export async function whenConnected<T>(client: Redis, waitMs: number, work: () => Promise<T>, unavailable: () => Error = redisUnavailable): Promise<T> {
  const deadline = Date.now() + waitMs;
  await whenReady(client, deadline, unavailable);
  return withDeadline(work(), deadline, unavailable);
}

/** Closes politely when connected, at once otherwise (QUIT would wait for a server that is away). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
