import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { AppContext } from '../context.ts';
import { CORS_RESPONSE_HEADERS } from '../lib/cors-headers.ts';
import { railsBoolean } from '../lib/rails-params.ts';
import { authenticateStream } from './auth.ts';
import type { StreamingHub } from './hub.ts';
import { StreamSession, type StreamAuth } from './session.ts';
import { resolveStream, StreamError, streamFromPath, type StreamRequest } from './streams.ts';

const SSE_HEARTBEAT_MS = 15_000;
const PING_INTERVAL_MS = 30_000;
/** a client this far behind is dropped rather than buffered without end */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 64 * 1024;
const PING_SLICE = 500;

declare module 'fastify' {
  interface FastifyRequest {
    streamAuth?: StreamAuth;
  }
}

export interface StreamingRouteOptions {
  /** test hook: shorter heartbeats and pings */
  heartbeatMs?: number;
  pingMs?: number;
}

const param = (value: unknown) => (Array.isArray(value) ? value[0] : value);
/** a string parameter; numbers too, as clients send list ids either way */
function text(value: unknown): string | undefined {
  const first = param(value);
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  return typeof first === 'string' ? first : undefined;
}

function sendError(reply: FastifyReply, error: unknown) {
  if (error instanceof StreamError) return reply.code(error.status).send({ error: error.message });
  throw error;
}

/**
 * Mastodon's streaming API on a Fastify instance: Server-Sent Events at
 * `/api/v1/streaming/<stream path>`, WebSocket upgrades at `/api/v1/streaming` (with `?stream=` and
 * subscribe/unsubscribe messages), and `/api/v1/streaming/health`.
 */
export async function streamingRoutes(app: FastifyInstance, ctx: AppContext, hub: StreamingHub, options: StreamingRouteOptions = {}) {
  const sockets = new Set<WebSocket & { alive?: boolean }>();
  const eventStreams = new Set<ServerResponse>();
  await app.register(websocket, {
    options: {
      maxPayload: MAX_MESSAGE_BYTES,
      // a token sent as the subprotocol is echoed back, as browsers require
      handleProtocols: (protocols) => protocols.values().next().value ?? false,
    },
  });

  // pinged in slices, so that ten thousand pings do not hold up the deliveries for a third of a second
  const pingSlice = (pending: (WebSocket & { alive?: boolean })[]) => {
    for (const socket of pending.splice(0, PING_SLICE)) {
      if (socket.alive === false) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
    if (pending.length > 0) setImmediate(() => pingSlice(pending));
  };
  const pinger = setInterval(() => pingSlice([...sockets]), options.pingMs ?? PING_INTERVAL_MS);
  pinger.unref();
  app.addHook('onClose', async () => {
    clearInterval(pinger);
    for (const response of eventStreams) response.end();
  });

  // authentication happens before the upgrade, so a bad token is an HTTP 401, not a closed socket
  async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    try {
      request.streamAuth = await authenticateStream(ctx, request);
    } catch (error) {
      return sendError(reply, error);
    }
  }

  app.get('/api/v1/streaming/health', { config: { streaming: true } }, async (_request, reply) => reply.type('text/plain').header('cache-control', 'no-store').send('OK'));

  function webSocketHandler(socket: WebSocket & { alive?: boolean }, request: FastifyRequest) {
    const auth = request.streamAuth!;
    sockets.add(socket);
    socket.alive = true;
    socket.on('pong', () => (socket.alive = true));
    const session = new StreamSession(
      ctx,
      hub,
      auth,
      (label, event, payload) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.terminate();
          return;
        }
        socket.send(JSON.stringify({ stream: label, event, payload }));
      },
      () => socket.close(1000, 'token revoked or account disabled'),
    );
    const subscribe = async (streamRequest: StreamRequest) => {
      try {
        await session.subscribe(streamRequest);
      } catch (error) {
        if (!(error instanceof StreamError)) ctx.log.warn({ err: error }, 'stream subscription failed');
        const status = error instanceof StreamError ? error.status : 500;
        const message = error instanceof StreamError ? error.message : 'Could not subscribe';
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ error: message, status }));
      }
    };
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'The streaming server does not support binary messages');
        return;
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return; // ignored, as Mastodon does
      }
      if (!message || typeof message !== 'object') return;
      const streamRequest = { stream: text(message.stream) ?? '', tag: text(message.tag), list: text(message.list) };
      if (message.type === 'subscribe') void subscribe(streamRequest);
      else if (message.type === 'unsubscribe') session.unsubscribe(streamRequest);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      session.close();
    });
    socket.on('error', () => socket.terminate());
    const query = request.query as Record<string, unknown>;
    const initial = text(query.stream);
    if (initial) void subscribe({ stream: initial, tag: text(query.tag), list: text(query.list) });
  }

  async function eventStreamHandler(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, unknown>;
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const stream = streamFromPath(path, railsBoolean(param(query.only_media)) === true);
    if (!stream) return reply.code(404).send({ error: 'Unknown stream type' });
    const auth = request.streamAuth!;
    const streamRequest = { stream, tag: text(query.tag), list: text(query.list) };
    // refused streams are HTTP errors, so they are checked before the response starts
    try {
      await resolveStream(ctx, { accountId: auth.accountId, scopes: auth.scopes }, streamRequest);
    } catch (error) {
      return sendError(reply, error);
    }
    const raw = reply.raw;
    reply.hijack();
    if (request.raw.destroyed) return;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      // written past Fastify's hooks, so the CORS plugin's headers are added here
      ...CORS_RESPONSE_HEADERS,
      connection: 'keep-alive',
    });
    let open = true;
    const write = (chunk: string) => {
      if (!open) return;
      // a reader this far behind is dropped rather than buffered without end
      if (raw.writableLength > MAX_BUFFERED_BYTES) raw.destroy();
      else raw.write(chunk);
    };
    const session = new StreamSession(
      ctx,
      hub,
      auth,
      (_label, event, payload) => write(`event: ${event}\ndata: ${payload ?? 'undefined'}\n\n`),
      () => raw.end(),
    );
    const heartbeat = setInterval(() => write(':thump\n'), options.heartbeatMs ?? SSE_HEARTBEAT_MS);
    eventStreams.add(raw);
    raw.on('close', () => {
      open = false;
      clearInterval(heartbeat);
      eventStreams.delete(raw);
      session.close();
    });
    try {
      await Promise.all([session.ready, session.subscribe(streamRequest)]);
    } catch (error) {
      ctx.log.warn({ err: error }, 'event stream subscription failed');
      raw.end();
      return;
    }
    // written once listening, so a client that sees it misses nothing published afterwards
    write(':)\n');
  }

  // Mastodon accepts an upgrade on any path; a plain GET of the bare path is not a stream.
  app.route({
    method: 'GET',
    url: '/api/v1/streaming',
    config: { streaming: true },
    preValidation: authenticate,
    handler: async (_request, reply) => reply.code(404).send({ error: 'Unknown stream type' }),
    wsHandler: webSocketHandler,
  });
  app.route({
    method: 'GET',
    url: '/api/v1/streaming/*',
    config: { streaming: true },
    preValidation: authenticate,
    handler: eventStreamHandler,
    wsHandler: webSocketHandler,
  });
}

/**
 * A web process without the streaming role sends streaming requests to STREAMING_API_BASE_URL, as
 * Mastodon's Rails app does (Api::V1::StreamingController).
 */
export function streamingRedirectRoutes(app: FastifyInstance, ctx: AppContext) {
  const base = ctx.config.streamingApiBaseUrl.replace(/^ws(s?):/, 'http$1:');
  const redirect = async (request: FastifyRequest, reply: FastifyReply) => {
    // pointing at this very host, a redirect would loop (Rails answers 404 then)
    if (new URL(base).host === request.host) return reply.code(404).send({ error: 'Record not found' });
    return reply.redirect(`${base}${request.url}`, 301);
  };
  app.get('/api/v1/streaming', redirect);
  app.get('/api/v1/streaming/*', redirect);
}
