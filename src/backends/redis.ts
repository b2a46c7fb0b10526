import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis } from 'ioredis';

export interface CreateRedisOptions {
  /** BullMQ needs commands to wait for the connection forever (`maxRetriesPerRequest: null`) */
  forBullmq?: boolean;
  /** shown by CLIENT LIST */
  name?: string;
}

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
    // Outside BullMQ, fail a command after a few reconnection attempts instead of hanging a request.
    maxRetriesPerRequest: options.forBullmq ? null : 3,
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
