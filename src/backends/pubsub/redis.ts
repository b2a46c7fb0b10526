import { closeRedis, REDIS_WAIT_MS, whenConnected, type Redis } from '../redis.ts';
import { deliver } from './memory.ts';
import type { PubSub } from './index.ts';

type Listener = (message: string) => void;

interface Channel {
  listeners: Set<Listener>;
  /** the SUBSCRIBE for this channel; later listeners wait for it too */
  subscribed: Promise<unknown>;
}

/**
 * Redis pub/sub over two connections it owns: one to publish, one in subscriber mode. All listeners
 * of a channel share one SUBSCRIBE; ioredis subscribes again by itself after reconnecting. While
 * Redis is away, publish and subscribe wait for it at most `waitMs`, then fail with a RedisUnavailableError.
 */
export class RedisPubSub implements PubSub {
  #publisher: Redis;
  #subscriber: Redis;
  #prefix: string;
  #waitMs: number;
  #channels = new Map<string, Channel>();

  constructor(publisher: Redis, subscriber: Redis, options: { prefix?: string; waitMs?: number } = {}) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = options.prefix ?? '';
    this.#waitMs = options.waitMs ?? REDIS_WAIT_MS;
    subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#channels.get(channel.slice(this.#prefix.length))?.listeners;
      if (!listeners) return;
      for (const listener of [...listeners]) deliver(listener, message);
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await whenConnected(this.#publisher, this.#waitMs, () => this.#publisher.publish(this.#prefix + channel, message));
  }

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const subscription: Listener = (message) => listener(message);
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), subscribed: whenConnected(this.#subscriber, this.#waitMs, () => this.#subscriber.subscribe(this.#prefix + channel)) };
      this.#channels.set(channel, entry);
    }
    entry.listeners.add(subscription);
    const current = entry;
    try {
      await current.subscribed;
    } catch (error) {
      this.#leave(channel, current, subscription);
      throw error;
    }
    return async () => this.#leave(channel, current, subscription);
  }

  #leave(channel: string, entry: Channel, subscription: Listener): void {
    if (!entry.listeners.delete(subscription) || entry.listeners.size > 0) return;
    if (this.#channels.get(channel) !== entry) return;
    this.#channels.delete(channel);
    // Commands on one connection run in order, so a SUBSCRIBE issued after this one still wins.
    this.#subscriber.unsubscribe(this.#prefix + channel).catch(() => {});
  }

  /** waits at most 2 s: a health check must answer quickly */
  async ping(): Promise<void> {
    await whenConnected(this.#publisher, 2000, () => this.#publisher.ping());
  }

  async close(): Promise<void> {
    this.#channels.clear();
    await Promise.all([closeRedis(this.#publisher), closeRedis(this.#subscriber)]);
  }
}
