import type { AppContext } from '../context.ts';
import { channels } from './channels.ts';
import type { ReceivedMessage, StreamingHub } from './hub.ts';
import { resolveStream, StreamError, streamKey, type ResolvedStream, type StreamRequest } from './streams.ts';
import { admitStatus } from './viewer-state.ts';

export interface StreamAuth {
  tokenId: string;
  accountId: string;
  scopes: string[];
}

/** Writes one event to the client: `payload` is a JSON string, a bare id, or absent. */
export type SendEvent = (label: string[], event: string, payload: string | undefined) => void;

/** streams one connection may hold at once, to bound what a client can make the server keep */
export const MAX_STREAMS_PER_CONNECTION = 100;

interface Subscription {
  stream: ResolvedStream;
  stops: (() => void)[];
}

/**
 * One client connection's streams, whatever the transport: it listens to the channels of each
 * stream it subscribed to, filters public updates for its viewer, and closes itself when its token
 * is revoked or its account disabled (`kill` on the token and system channels).
 */
export class StreamSession {
  #ctx: AppContext;
  #hub: StreamingHub;
  #auth: StreamAuth;
  #send: SendEvent;
  #onKill: () => void;
  #subscriptions = new Map<string, Subscription>();
  #system: (() => void)[] = [];
  #releaseViewer?: () => void;
  #acquiringViewer?: Promise<void>;
  #closed = false;
  /** resolves when the kill channels are listened to */
  ready: Promise<void>;

  constructor(ctx: AppContext, hub: StreamingHub, auth: StreamAuth, send: SendEvent, onKill: () => void) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#auth = auth;
    this.#send = send;
    this.#onKill = onKill;
    hub.connections += 1;
    const listeners = [channels.accessToken(auth.tokenId), channels.system(auth.accountId)].map((channel) =>
      hub.listen(channel, (message) => {
        if (message.event === 'kill') this.kill();
      }),
    );
    this.#system = listeners.map((listener) => listener.stop);
    this.ready = Promise.all(listeners.map((listener) => listener.ready)).then(() => {});
  }

  get accountId(): string {
    return this.#auth.accountId;
  }

  /** Subscribes to a stream (again is a no-op); throws StreamError when it can't be had. Resolves once listening. */
  async subscribe(request: StreamRequest): Promise<ResolvedStream> {
    const stream = await resolveStream(this.#ctx, { accountId: this.#auth.accountId, scopes: this.#auth.scopes }, request);
    if (this.#closed) return stream;
    const existing = this.#subscriptions.get(stream.key);
    if (existing) return existing.stream;
    if (this.#subscriptions.size >= MAX_STREAMS_PER_CONNECTION) throw new StreamError(400, 'Too many streams on one connection');
    if (stream.filtered) await this.#holdViewer();
    if (this.#closed || this.#subscriptions.has(stream.key)) return stream;
    const listeners = stream.channels.map((channel) => this.#hub.listen(channel, (message) => this.#deliver(stream, message)));
    this.#subscriptions.set(stream.key, { stream, stops: listeners.map((listener) => listener.stop) });
    this.#hub.countSubscription(stream.label[0]!, 1);
    await Promise.all(listeners.map((listener) => listener.ready));
    return stream;
  }

  /** Takes this viewer's filter state once per session (concurrent subscribes share the one hold). */
  async #holdViewer(): Promise<void> {
    if (this.#releaseViewer) return;
    this.#acquiringViewer ??= this.#hub.acquireViewer(this.#auth.accountId).then(
      (release) => {
        if (this.#closed) release();
        else this.#releaseViewer = release;
      },
      (error: unknown) => {
        this.#acquiringViewer = undefined;
        throw error;
      },
    );
    await this.#acquiringViewer;
  }

  /** Leaves a stream; unknown or invalid streams are ignored. */
  unsubscribe(request: StreamRequest): void {
    const key = streamKey(request);
    const subscription = this.#subscriptions.get(key);
    if (!subscription) return;
    this.#subscriptions.delete(key);
    this.#hub.countSubscription(subscription.stream.label[0]!, -1);
    for (const stop of subscription.stops) stop();
  }

  #deliver(stream: ResolvedStream, message: ReceivedMessage): void {
    if (this.#closed) return;
    if (message.event === 'kill') return;
    let payload = message.payload;
    if (stream.filtered && (message.event === 'update' || message.event === 'status.update')) {
      const state = this.#hub.currentViewerState(this.#auth.accountId);
      const status = message.parsedPayload() as Parameters<typeof admitStatus>[2] | undefined;
      if (!state || !status) return;
      const filtered = admitStatus(state, this.#auth.accountId, status);
      if (filtered === null) return;
      if (filtered.length > 0) payload = JSON.stringify({ ...status, filtered });
    }
    this.#send(stream.label, message.event, payload);
  }

  /** Closes the connection for a revoked token or a disabled account. */
  kill(): void {
    if (this.#closed) return;
    this.close();
    this.#onKill();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.connections -= 1;
    for (const { stream, stops } of this.#subscriptions.values()) {
      this.#hub.countSubscription(stream.label[0]!, -1);
      for (const stop of stops) stop();
    }
    this.#subscriptions.clear();
    for (const stop of this.#system) stop();
    this.#releaseViewer?.();
  }
}
