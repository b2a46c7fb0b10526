import type { AppContext } from '../context.ts';
import { EVENTS_CHANNEL, type DomainEvent } from '../services/instance/events.ts';
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
  /** the pub/sub unsubscribe, once subscribed */
  stop?: () => Promise<void>;
  /** resolves once subscribed (or after the first failed attempt: delivery starts when a retry succeeds) */
  ready: Promise<void>;
  closed: boolean;
}

interface ViewerEntry {
  users: number;
  state: Promise<ViewerState>;
  /** the last state loaded, read synchronously when a message arrives */
  current?: ViewerState;
  /** bumped by every reload, so that a slow older reload cannot overwrite a newer one */
  version: number;
}

/** a failed SUBSCRIBE (Redis restarting) is tried again after this long */
const RESUBSCRIBE_DELAY_MS = 1000;
/** viewer states are reloaded this often too, in case a relation event was missed while the broker was away */
const VIEWER_RELOAD_MS = 5 * 60 * 1000;

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
  #reloader: NodeJS.Timeout;
  #events: ChannelEntry;
  connections = 0;
  /** open subscriptions per stream name (`user`, `public:local`, `hashtag`…), for the metrics */
  readonly subscriptions = new Map<string, number>();

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#refresher = setInterval(() => void this.#markSubscribed([...this.#channels.keys()]), SUBSCRIBED_REFRESH_SECONDS * 1000);
    this.#refresher.unref();
    this.#reloader = setInterval(() => {
      for (const accountId of this.#viewers.keys()) this.#reloadViewer(accountId);
    }, VIEWER_RELOAD_MS);
    this.#reloader.unref();
    this.#events = this.#open(EVENTS_CHANNEL, (raw) => this.#onDomainEvent(raw), false);
  }

  /** A connection subscribed to (`delta` 1) or left (-1) a stream named `name`. */
  countSubscription(name: string, delta: number): void {
    const count = (this.subscriptions.get(name) ?? 0) + delta;
    if (count > 0) this.subscriptions.set(name, count);
    else this.subscriptions.delete(name);
  }

  /**
   * Listens to a channel: `ready` resolves once the pub/sub subscription is in place (and the
   * channel marked as listened), `stop` ends this listener.
   */
  listen(channel: string, listener: MessageListener): { ready: Promise<void>; stop: () => void } {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const listeners = new Set<MessageListener>();
      entry = this.#open(
        channel,
        (raw) => {
          const message = receive(channel, raw);
          if (message) for (const deliver of [...listeners]) deliver(message);
        },
        true,
      );
      entry.listeners = listeners;
      this.#channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    const current = entry;
    const stop = () => {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (this.#channels.get(channel) === current) this.#channels.delete(channel);
      this.#shut(current);
    };
    return { ready: current.ready, stop };
  }

  /** Subscribes, retrying until it works or the entry is shut: a silent channel must not stay silent. */
  #open(channel: string, onMessage: (raw: string) => void, markListened: boolean): ChannelEntry {
    const entry: ChannelEntry = { listeners: new Set(), closed: false, ready: Promise.resolve() };
    const attempt = async (): Promise<void> => {
      try {
        const stop = await this.#ctx.pubsub.subscribe(channel, onMessage);
        if (entry.closed) {
          await stop();
          return;
        }
        entry.stop = stop;
        if (markListened) await this.#markSubscribed([channel]);
      } catch (error) {
        if (entry.closed) return;
        this.#ctx.log.warn({ err: error, channel }, 'could not subscribe to a stream channel; retrying');
        setTimeout(() => void attempt(), RESUBSCRIBE_DELAY_MS).unref();
      }
    };
    entry.ready = attempt();
    return entry;
  }

  #shut(entry: ChannelEntry): void {
    entry.closed = true;
    entry.stop?.().catch(() => {});
  }

  /**
   * The viewer's filter state, shared by their connections. Resolves with the function that
   * releases this hold (tied to the entry it took, so a failed load cannot unbalance another's).
   */
  async acquireViewer(accountId: string): Promise<() => void> {
    let entry = this.#viewers.get(accountId);
    if (!entry) {
      const created: ViewerEntry = { users: 0, state: loadViewerState(this.#ctx, accountId), version: 0 };
      this.#viewers.set(accountId, created);
      entry = created;
    }
    const held = entry;
    try {
      const state = await held.state;
      if (held.version === 0 && !held.current) held.current = state;
    } catch (error) {
      if (this.#viewers.get(accountId) === held) this.#viewers.delete(accountId);
      throw error;
    }
    held.users += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.users <= 0 && this.#viewers.get(accountId) === held) this.#viewers.delete(accountId);
    };
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
    for (const accountId of affected) if (accountId) this.#reloadViewer(accountId);
  }

  #reloadViewer(accountId: string): void {
    const entry = this.#viewers.get(accountId);
    if (!entry) return;
    const version = ++entry.version;
    // a failed reload keeps the old state: better slightly stale than unfiltered
    loadViewerState(this.#ctx, accountId).then(
      (state) => {
        if (entry.version === version) entry.current = state;
      },
      (error: unknown) => this.#ctx.log.warn({ err: error, accountId }, "could not reload a viewer's stream filters"),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#refresher);
    clearInterval(this.#reloader);
    for (const entry of this.#channels.values()) this.#shut(entry);
    this.#channels.clear();
    this.#shut(this.#events);
  }
}
