import type { PubSub } from './index.ts';

type Listener = (message: string) => void;

/** In-process pub/sub for the embedded mode. Delivery is asynchronous, as through a real broker. */
export class MemoryPubSub implements PubSub {
  #channels = new Map<string, Set<Listener>>();

  async publish(channel: string, message: string): Promise<void> {
    const listeners = this.#channels.get(channel);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      setImmediate(() => {
        // Unsubscribed between publish and delivery: a broker would not deliver either.
        if (this.#channels.get(channel)?.has(listener)) deliver(listener, message);
      });
    }
  }

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const subscription: Listener = (message) => listener(message);
    let listeners = this.#channels.get(channel);
    if (!listeners) this.#channels.set(channel, (listeners = new Set()));
    listeners.add(subscription);
    return async () => {
      listeners.delete(subscription);
      if (listeners.size === 0 && this.#channels.get(channel) === listeners) this.#channels.delete(channel);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#channels.clear();
  }
}

/** Runs one listener; a throwing listener must not keep the message from the others. */
export function deliver(listener: Listener, message: string): void {
  try {
    listener(message);
  } catch (error) {
    console.error('pub/sub listener failed', error);
  }
}
