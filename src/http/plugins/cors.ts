import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CORS_RESPONSE_HEADERS } from '../../lib/cors-headers.ts';

/**
 * Cross-origin access for browser clients (Elk, Phanpy, Semaphore…), as Mastodon's rack-cors
 * configuration (config/initializers/cors.rb) grants it: any origin, no credentials, on the API,
 * the token endpoints and the discovery documents. The cookie-authenticated pages (`/oauth/authorize`,
 * `/auth/*`, `/settings/*`) are never shared with other origins.
 */
interface CorsResource {
  pattern: RegExp;
  methods: string[];
}

const RESOURCES: CorsResource[] = [
  { pattern: /^\/\.well-known\//, methods: ['GET'] },
  { pattern: /^\/@[^/]+$/, methods: ['GET'] },
  { pattern: /^\/users\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/api\//, methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/oauth\/(token|revoke)$/, methods: ['POST'] },
  { pattern: /^\/oauth\/userinfo$/, methods: ['GET', 'POST'] },
  { pattern: /^\/nodeinfo\//, methods: ['GET'] },
];

/** Allowed when a preflight names no headers (normally the requested ones are echoed, as rack-cors's `headers: :any`). */
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, Idempotency-Key, Cache-Control';
/** rack-cors's default; browsers cap it lower (Chromium: 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = '7200';

function corsResource(url: string): CorsResource | undefined {
  const path = url.split('?')[0]!;
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  return RESOURCES.find((resource) => resource.pattern.test(trimmed));
}

function isPreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && typeof request.headers['access-control-request-method'] === 'string';
}

/**
 * Answers preflights on the shared paths before routing, authentication or rate limits (as
 * rack-cors sits in front of Rails), and marks every other response on them, errors included, as
 * readable by any origin. Registered first, so that 401s, 404s, 422s and 429s carry the headers too.
 */
export function registerCors(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    const resource = corsResource(request.url);
    if (!resource) return;
    if (isPreflight(request)) {
      const requested = request.headers['access-control-request-headers'];
      return reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', [...resource.methods, 'OPTIONS'].join(', '))
        .header('access-control-allow-headers', typeof requested === 'string' && requested.trim() ? requested : DEFAULT_ALLOWED_HEADERS)
        .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS)
        .header('vary', 'Access-Control-Request-Method, Access-Control-Request-Headers')
        .send();
    }
    reply.headers(CORS_RESPONSE_HEADERS);
  });
}
