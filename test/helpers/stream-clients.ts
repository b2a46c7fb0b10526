import { setTimeout as sleep } from 'node:timers/promises';

/** One event as a streaming client sees it: the stream it came on, the event name and the payload (parsed when JSON). */
export interface StreamEvent {
  stream?: string[];
  event: string;
  payload: unknown;
  /** the payload as sent */
  raw: string | undefined;
}

export interface StreamClient {
  events: StreamEvent[];
  /** waits for the first event (received before or after the call) that matches */
  next(match: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** resolves when the server closes the connection */
  closed: Promise<{ code?: number }>;
  close(): void;
}

function parsePayload(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function eventLog() {
  const events: StreamEvent[] = [];
  const waiters = new Set<() => void>();
  return {
    events,
    push(event: StreamEvent) {
      events.push(event);
      for (const wake of [...waiters]) wake();
    },
    async next(match: (event: StreamEvent) => boolean, timeoutMs = 10_000): Promise<StreamEvent> {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        const found = events.slice(seen).find(match);
        if (found) return found;
        seen = 0;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching stream event; received: ${JSON.stringify(events.map((e) => [e.stream, e.event, e.raw?.slice(0, 80)]))}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.min(remaining, 200));
          waiters.add(wake);
        });
      }
    },
  };
}

export interface WebSocketOptions {
  token?: string;
  /** send the token as Sec-WebSocket-Protocol instead of the query */
  tokenAsProtocol?: boolean;
  stream?: string;
  tag?: string;
  list?: string;
}

/** A WebSocket client on `/api/v1/streaming` (Node's built-in WebSocket). Resolves once open. */
export async function openWebSocket(baseUrl: string, options: WebSocketOptions = {}): Promise<StreamClient & { socket: WebSocket; send(message: unknown): void; errors: unknown[] }> {
  const url = new URL('/api/v1/streaming', baseUrl.replace(/^http/, 'ws'));
  if (options.token && !options.tokenAsProtocol) url.searchParams.set('access_token', options.token);
  if (options.stream) url.searchParams.set('stream', options.stream);
  if (options.tag) url.searchParams.set('tag', options.tag);
  if (options.list) url.searchParams.set('list', options.list);
  const socket = options.tokenAsProtocol && options.token ? new WebSocket(url, [options.token]) : new WebSocket(url);
  const log = eventLog();
  const errors: unknown[] = [];
  const closed = new Promise<{ code?: number }>((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code })));
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data));
    if ('error' in data) {
      errors.push(data);
      log.push({ event: 'error', payload: data, raw: JSON.stringify(data) });
      return;
    }
    log.push({ stream: data.stream, event: data.event, payload: parsePayload(data.payload), raw: data.payload });
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('WebSocket failed to open')), { once: true });
  });
  return { ...log, socket, errors, closed, send: (message) => socket.send(JSON.stringify(message)), close: () => socket.close() };
}

/** An SSE client on `/api/v1/streaming/<path>`; resolves once the `:)` preamble arrived (the server listens from then on). */
export async function openEventStream(baseUrl: string, pathAndQuery: string, token?: string): Promise<StreamClient & { status: number; headers: Headers }> {
  const controller = new AbortController();
  const response = await fetch(new URL(`/api/v1/streaming/${pathAndQuery}`, baseUrl), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const log = eventLog();
  if (response.status !== 200) {
    const body = await response.text();
    throw Object.assign(new Error(`SSE ${response.status}: ${body}`), { status: response.status, body });
  }
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const closed = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          // comments (":)" and ":thump") are lines of their own; events end with a blank line
          if (buffer.startsWith(':')) {
            const comment = buffer.slice(0, end);
            buffer = buffer.slice(end + 1);
            if (comment === ':)') resolveReady();
            else log.push({ event: comment, payload: undefined, raw: undefined });
            continue;
          }
          const block = buffer.indexOf('\n\n');
          if (block < 0) break;
          const lines = buffer.slice(0, block).split('\n');
          buffer = buffer.slice(block + 2);
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
          const data = lines
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          log.push({ event, payload: parsePayload(data), raw: data });
        }
      }
    } catch {
      // aborted
    }
    return {};
  })();
  await Promise.race([ready, sleep(10_000).then(() => Promise.reject(new Error('no SSE preamble')))]);
  return { ...log, status: response.status, headers: response.headers, closed, close: () => controller.abort() };
}

/**
 * Publishes probes with `publish(probeId)` until the client receives one: proof that the server
 * listens on the probe's channel (a WebSocket subscription is not acknowledged).
 */
export async function untilListening(client: StreamClient, publish: (probe: string) => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const probe = `probe-${Math.random().toString(36).slice(2)}`;
  for (;;) {
    await publish(probe);
    try {
      await client.next((event) => event.raw === probe, 100);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('the stream never started listening');
    }
  }
}

/**
 * Waits until `client` no longer gets what `publishGone` publishes (after an unsubscribe): a probe
 * published there, then one on a stream it still listens to; once the second arrives without the
 * first, the first is not coming.
 */
export async function untilNotListening(client: StreamClient, publishGone: (probe: string) => Promise<void>, publishStaying: (probe: string) => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = `probe-${Math.random().toString(36).slice(2)}`;
    await publishGone(probe);
    await untilListening(client, publishStaying, timeoutMs);
    if (!client.events.some((event) => event.raw === probe)) return;
    if (Date.now() > deadline) throw new Error('the stream never stopped listening');
  }
}
