import { closeRedis, type Redis } from '../redis.ts';
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
 * of a channel share one SUBSCRIBE; ioredis subscribes again by itself after reconnecting.
 */
export class RedisPubSub implements PubSub {
  #publisher: Redis;
  #subscriber: Redis;
  #prefix: string;
  #channels = new Map<string, Channel>();

  constructor(publisher: Redis, subscriber: Redis, options: { prefix?: string } = {}) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = options.prefix ?? '';
    subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#channels.get(channel.slice(this.#prefix.length))?.listeners;
      if (!listeners) return;
      for (const listener of [...listeners]) deliver(listener, message);
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#publisher.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const subscription: Listener = (message) => listener(message);
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), subscribed: this.#subscriber.subscribe(this.#prefix + channel) };
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

  async ping(): Promise<void> {
    await this.#publisher.ping();
  }

  async close(): Promise<void> {
    this.#channels.clear();
    await Promise.all([closeRedis(this.#publisher), closeRedis(this.#subscriber)]);
  }
}
