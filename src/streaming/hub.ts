import type { AppContext } from '../context.ts';
import { EVENTS_CHANNEL, type DomainEvent } from '../services/events.ts';
import { SUBSCRIBED_REFRESH_SECONDS, SUBSCRIBED_TTL_SECONDS, subscribedKey, type StreamMessage } from './channels.ts';
import { loadViewerState, type ViewerState } from './viewer-state.ts';

/** A message as received: parsed once, its payload parsed at most once, for every connection. */
export interface ReceivedMessage extends StreamMessage {
  channel: string;
  /** the payload as an object (for filtering); parsed on first use */
  parsedPayload(): unknown;
}

export type MessageListener = (message: ReceivedMessage) => void;

interface ChannelEntry {
  listeners: Set<MessageListener>;
  unsubscribe: Promise<() => Promise<void>>;
  ready: Promise<void>;
}

interface ViewerEntry {
  users: number;
  state: Promise<ViewerState>;
  /** the last state loaded, read synchronously when a message arrives */
  current?: ViewerState;
  /** bumped by every reload, so that a slow older reload cannot overwrite a newer one */
  version: number;
}

const RELATION_EVENTS = new Set<DomainEvent['type']>([
  'block.created',
  'block.removed',
  'mute.created',
  'mute.removed',
  'domain_block.created',
  'domain_block.removed',
  'filters.changed',
  'account.updated',
]);

function receive(channel: string, raw: string): ReceivedMessage | undefined {
  let message: StreamMessage;
  try {
    message = JSON.parse(raw) as StreamMessage;
  } catch {
    return undefined;
  }
  if (!message || typeof message.event !== 'string') return undefined;
  let parsed: unknown;
  let done = false;
  return {
    ...message,
    channel,
    parsedPayload() {
      if (!done) {
        done = true;
        try {
          parsed = message.payload === undefined ? undefined : JSON.parse(message.payload);
        } catch {
          parsed = undefined;
        }
      }
      return parsed;
    },
  };
}

/**
 * The streaming tier of one process: one pub/sub subscription per channel however many
 * connections listen to it, the `subscribed:<channel>` markers that tell publishers to render,
 * and each connected viewer's filter state.
 */
export class StreamingHub {
  #ctx: AppContext;
  #channels = new Map<string, ChannelEntry>();
  #viewers = new Map<string, ViewerEntry>();
  #refresher: NodeJS.Timeout;
  #stopEvents: Promise<() => Promise<void>>;
  connections = 0;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#refresher = setInterval(() => void this.#markSubscribed([...this.#channels.keys()]), SUBSCRIBED_REFRESH_SECONDS * 1000);
    this.#refresher.unref();
    this.#stopEvents = ctx.pubsub.subscribe(EVENTS_CHANNEL, (raw) => this.#onDomainEvent(raw));
    this.#stopEvents.catch((error: unknown) => ctx.log.warn({ err: error }, 'streaming could not follow domain events'));
  }

  /**
   * Listens to a channel: `ready` resolves once the pub/sub subscription is in place (and the
   * channel marked as listened), `stop` ends this listener.
   */
  listen(channel: string, listener: MessageListener): { ready: Promise<void>; stop: () => void } {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const listeners = new Set<MessageListener>();
      const unsubscribe = this.#ctx.pubsub.subscribe(channel, (raw) => {
        const message = receive(channel, raw);
        if (!message) return;
        for (const deliver of [...listeners]) deliver(message);
      });
      const ready = unsubscribe.then(
        () => this.#markSubscribed([channel]),
        (error: unknown) => this.#ctx.log.warn({ err: error, channel }, 'could not subscribe to a stream channel'),
      );
      entry = { listeners, unsubscribe, ready };
      this.#channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    const current = entry;
    const stop = () => {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (this.#channels.get(channel) === current) this.#channels.delete(channel);
      current.unsubscribe.then((stopListening) => stopListening()).catch(() => {});
    };
    return { ready: current.ready, stop };
  }

  /** The viewer's filter state, shared by their connections; call `releaseViewer` when done. */
  acquireViewer(accountId: string): Promise<ViewerState> {
    let entry = this.#viewers.get(accountId);
    if (!entry) {
      const created: ViewerEntry = { users: 0, state: loadViewerState(this.#ctx, accountId), version: 0 };
      created.state.then(
        (state) => {
          if (created.version === 0) created.current = state;
        },
        () => this.#viewers.get(accountId) === created && this.#viewers.delete(accountId),
      );
      this.#viewers.set(accountId, created);
      entry = created;
    }
    entry.users += 1;
    return entry.state;
  }

  releaseViewer(accountId: string): void {
    const entry = this.#viewers.get(accountId);
    if (entry && --entry.users <= 0) this.#viewers.delete(accountId);
  }

  /** The state of a viewer already acquired, as last loaded. */
  currentViewerState(accountId: string): ViewerState | undefined {
    return this.#viewers.get(accountId)?.current;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  async #markSubscribed(names: string[]): Promise<void> {
    try {
      await Promise.all(names.map((name) => this.#ctx.cache.set(subscribedKey(name), '1', SUBSCRIBED_TTL_SECONDS)));
    } catch (error) {
      this.#ctx.log.warn({ err: error }, 'could not mark stream channels as listened');
    }
  }

  #onDomainEvent(raw: string): void {
    let event: DomainEvent;
    try {
      event = JSON.parse(raw) as DomainEvent;
    } catch {
      return;
    }
    if (!RELATION_EVENTS.has(event.type)) return;
    const affected = ['accountId' in event ? event.accountId : undefined, 'targetAccountId' in event ? event.targetAccountId : undefined];
    for (const accountId of affected) {
      if (!accountId) continue;
      const entry = this.#viewers.get(accountId);
      if (!entry) continue;
      const current = entry;
      const version = ++current.version;
      // a failed reload keeps the old state: better slightly stale than unfiltered
      loadViewerState(this.#ctx, accountId).then(
        (state) => {
          if (current.version === version) current.current = state;
        },
        (error: unknown) => this.#ctx.log.warn({ err: error, accountId }, 'could not reload a viewer\'s stream filters'),
      );
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#refresher);
    const stops = [...this.#channels.values()].map((entry) => entry.unsubscribe.then((stop) => stop()).catch(() => {}));
    this.#channels.clear();
    stops.push(this.#stopEvents.then((stop) => stop()).catch(() => {}));
    await Promise.all(stops);
  }
}
