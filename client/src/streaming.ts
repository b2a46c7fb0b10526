import { currentToken } from './api.ts';

/**
 * One WebSocket to the streaming API for the whole client, multiplexing its streams with
 * `subscribe`/`unsubscribe` messages. A lost connection is reopened (1 s, then up to 30 s apart), its
 * streams subscribed again, and every subscriber told so that it can fetch what it missed.
 */
export interface StreamEvent {
  event: string;
  payload: unknown;
}

interface Subscription {
  stream: string;
  /** the hashtag of a `hashtag` stream, the list id of a `list` stream */
  tag?: string;
  list?: string;
  onEvent: (event: StreamEvent) => void;
  onReconnect?: () => void;
}

type State = 'connecting' | 'open' | 'reconnecting';

let baseUrl = '';
let socket: WebSocket | null = null;
let state: State = 'connecting';
let retryDelay = 1000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let everOpened = false;
const subscriptions = new Set<Subscription>();
const stateListeners = new Set<(state: State) => void>();

const param = (s: { tag?: string; list?: string }) => s.tag ?? s.list;
const key = (s: { stream: string; tag?: string; list?: string }) => `${s.stream}\u0000${param(s) ?? ''}`;

function setState(next: State) {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function send(type: 'subscribe' | 'unsubscribe', subscription: { stream: string; tag?: string; list?: string }) {
  if (socket?.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type, stream: subscription.stream, ...(subscription.tag ? { tag: subscription.tag } : {}), ...(subscription.list ? { list: subscription.list } : {}) }));
}

function connect() {
  const token = currentToken();
  if (!baseUrl || !token) return;
  // the token goes in Sec-WebSocket-Protocol, as Mastodon's web app sends it, never in a URL
  const ws = new WebSocket(`${baseUrl}/api/v1/streaming`, token);
  socket = ws;
  ws.onopen = () => {
    const reconnected = everOpened;
    everOpened = true;
    retryDelay = 1000;
    setState('open');
    const sent = new Set<string>();
    for (const subscription of subscriptions) {
      if (sent.has(key(subscription))) continue;
      sent.add(key(subscription));
      send('subscribe', subscription);
    }
    if (reconnected) for (const subscription of subscriptions) subscription.onReconnect?.();
  };
  ws.onmessage = (message) => {
    const data = JSON.parse(String(message.data)) as { stream?: string[]; event: string; payload?: string };
    if (!data.stream) return;
    const [stream, streamParam] = data.stream;
    let payload: unknown = data.payload;
    if (typeof payload === 'string' && /^[[{]/.test(payload)) payload = JSON.parse(payload);
    for (const subscription of subscriptions) {
      if (subscription.stream === stream && param(subscription) === streamParam) subscription.onEvent({ event: data.event, payload });
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    setState('reconnecting');
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30_000);
  };
}

/** Starts streaming from the instance's streaming URL (once signed in). */
export function startStreaming(streamingUrl: string) {
  baseUrl = streamingUrl.replace(/\/$/, '');
  if (!socket) connect();
}

export function stopStreaming() {
  clearTimeout(retryTimer);
  const ws = socket;
  socket = null;
  everOpened = false;
  ws?.close();
}

/** Subscribes to one stream (`user`, `public:local`, `hashtag` with its tag…); returns the unsubscribe. */
export function subscribe(subscription: Subscription): () => void {
  const already = [...subscriptions].some((s) => key(s) === key(subscription));
  subscriptions.add(subscription);
  if (!already) send('subscribe', subscription);
  return () => {
    subscriptions.delete(subscription);
    if (![...subscriptions].some((s) => key(s) === key(subscription))) send('unsubscribe', subscription);
  };
}

export function onStreamingState(listener: (state: State) => void): () => void {
  stateListeners.add(listener);
  listener(state);
  return () => stateListeners.delete(listener);
}
