import { createRequire } from 'node:module';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppContext } from '../context.ts';
import { queryParser } from './plugins/params.ts';
import { requestId } from './plugins/request-id.ts';

const require = createRequire(import.meta.url);
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * Fastify's own schema compilers (Ajv and fast-json-stringify, ~100 modules), required when a route
 * first declares a schema (none does) instead of by every server at construction.
 */
function schemaCompilersOnUse(): CompilersFactory {
  type Factory = (...args: unknown[]) => unknown;
  const requiredOnUse = (name: string): Factory => {
    let factory: Factory | undefined;
    return (...args) => (factory ??= (require(name) as () => Factory)())(...args);
  };
  return {
    buildValidator: requiredOnUse('@fastify/ajv-compiler') as CompilersFactory['buildValidator'],
    buildSerializer: requiredOnUse('@fastify/fast-json-stringify-compiler') as CompilersFactory['buildSerializer'],
  };
}

/** Rails trusts loopback and private networks as proxies; TRUSTED_PROXY_IP adds more. */
const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/**
 * How long a client may take to send a request: its headers, and the whole request with its body
 * (Node answers 408 and closes the connection), checked every `checkIntervalMs`. A request once
 * received is not timed, so streaming responses (SSE, WebSocket) last as long as they need.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  checkIntervalMs: number;
}

/**
 * A whole request, body included: long enough for a 16 MB upload over a weak mobile link
 * (about 0.5 Mbit/s), short enough that a body never finished cannot hold a connection for long.
 */
const REQUEST_TIMEOUT_MS = 300_000;

export function httpTimeouts(ctx: AppContext, overrides: Partial<HttpTimeouts> = {}): HttpTimeouts {
  return { headersMs: 20_000, requestMs: REQUEST_TIMEOUT_MS, keepAliveMs: ctx.config.persistentTimeoutSeconds * 1000, checkIntervalMs: 2_000, ...overrides };
}

export function createServer(ctx: AppContext, timeouts: Partial<HttpTimeouts> = {}): FastifyInstance {
  const { headersMs, requestMs, keepAliveMs, checkIntervalMs } = httpTimeouts(ctx, timeouts);
  return Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: [...DEFAULT_TRUSTED_PROXIES, ...ctx.config.trustedProxies],
    routerOptions: { querystringParser: queryParser, ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    genReqId: requestId,
    requestIdHeader: false,
    http: { headersTimeout: headersMs, connectionsCheckingInterval: checkIntervalMs },
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    schemaController: { compilersFactory: schemaCompilersOnUse() },
  });
}

export interface AppOptions {
  /** tests shorten them */
  timeouts?: Partial<HttpTimeouts>;
}
