import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { digest } from '../../lib/crypto.ts';
import { params } from './params.ts';

interface Throttle {
  name: string;
  limit: number;
  periodSeconds: number;
  /** the key to count under, or null when the throttle does not apply */
  key(request: FastifyRequest): string | null;
}

/**
 * The route a request reached, as its pattern (`/api/v1/statuses/:id`): the router decodes the
 * URL, so `/auth/sign%5Fin` reaches the sign-in route and must be counted as it.
 */
const path = (request: FastifyRequest) => (request.routeOptions.url ?? request.url.split('?')[0]!).replace(/\/$/, '');
const isApi = (request: FastifyRequest) => path(request).startsWith('/api/');

/** IPv6 clients are counted per /64, as Mastodon does. */
function clientKey(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const groups = ip.split('::')[0]!.split(':');
  return `${groups.slice(0, 4).join(':')}::/64`;
}

const posts = (request: FastifyRequest, route: string) => (request.method === 'POST' || request.method === 'PUT') && path(request) === route;
const isSignIn = (request: FastifyRequest) => posts(request, '/auth/sign_in');

/** The account a form (sign-in, password reset, confirmation) is aimed at, as typed (e-mail matching is case-insensitive); hashed to keep keys short. */
function emailTarget(request: FastifyRequest): string | null {
  const user = params(request).user;
  const email = user && typeof user === 'object' ? (user as Record<string, unknown>).email : undefined;
  const normalized = typeof email === 'string' ? email.trim().toLowerCase() : '';
  return normalized ? digest(normalized) : null;
}

/** Mastodon's default throttles (config/initializers/rack_attack.rb) that apply to what Subspace serves. */
const THROTTLES: Throttle[] = [
  { name: 'authenticated_api', limit: 1500, periodSeconds: 300, key: (r) => (isApi(r) && r.auth?.account ? r.auth.account.id : null) },
  { name: 'unauthenticated_api', limit: 300, periodSeconds: 300, key: (r) => (isApi(r) && !r.auth ? clientKey(r.ip) : null) },
  { name: 'api_sign_up', limit: 5, periodSeconds: 1800, key: (r) => (r.method === 'POST' && path(r) === '/api/v1/accounts' ? clientKey(r.ip) : null) },
  { name: 'oauth_application_registrations/ip', limit: 5, periodSeconds: 600, key: (r) => (r.method === 'POST' && path(r) === '/api/v1/apps' ? clientKey(r.ip) : null) },
  { name: 'login_attempts/ip', limit: 25, periodSeconds: 300, key: (r) => (isSignIn(r) ? clientKey(r.ip) : null) },
  // guesses at one account from many addresses
  { name: 'login_attempts/email', limit: 25, periodSeconds: 3600, key: (r) => (isSignIn(r) ? emailTarget(r) : null) },
  { name: 'throttle_sign_up_attempts/ip', limit: 25, periodSeconds: 300, key: (r) => (posts(r, '/auth/sign_up') ? clientKey(r.ip) : null) },
  { name: 'throttle_password_resets/ip', limit: 25, periodSeconds: 300, key: (r) => (posts(r, '/auth/password') ? clientKey(r.ip) : null) },
  // each sends a mail: few to one address
  { name: 'throttle_password_resets/email', limit: 5, periodSeconds: 1800, key: (r) => (posts(r, '/auth/password') ? emailTarget(r) : null) },
  {
    name: 'throttle_email_confirmations/ip',
    limit: 25,
    periodSeconds: 300,
    key: (r) => (posts(r, '/auth/confirmation') || posts(r, '/api/v1/emails/confirmations') ? clientKey(r.ip) : null),
  },
  // an app's resends count against the member asking
  {
    name: 'throttle_email_confirmations/email',
    limit: 5,
    periodSeconds: 1800,
    key: (r) => (posts(r, '/auth/confirmation') ? emailTarget(r) : posts(r, '/api/v1/emails/confirmations') && r.auth?.user ? `user:${r.auth.user.id}` : null),
  },
  // each request may cost a call to a paid translation service (DeepL, LibreTranslate): Mastodon has no
  // throttle of its own for it beyond the API's 1,500 in 5 minutes, which would spend a DeepL quota fast;
  // a cached translation is counted too, as a throttle in front of the controller counts it
  { name: 'throttle_translations', limit: 30, periodSeconds: 300, key: (r) => (posts(r, '/api/v1/statuses/:id/translate') && r.auth?.account ? r.auth.account.id : null) },
  // each request may make the instance download a remote file
  { name: 'throttle_media_proxy', limit: 30, periodSeconds: 10, key: (r) => (path(r).startsWith('/media_proxy/') ? clientKey(r.ip) : null) },
];

/** Requests from the machine itself are never throttled (Mastodon's `allow from localhost`). */
const isLoopback = (ip: string) => ip === '::1' || /^(::ffff:)?127\./.test(ip);

export function registerRateLimits(app: FastifyInstance, ctx: AppContext) {
  app.addHook('preHandler', async (request, reply) => {
    if (isLoopback(request.ip) || request.routeOptions.config.streaming) return;
    const now = Date.now() / 1000;
    for (const throttle of THROTTLES) {
      const key = throttle.key(request);
      if (!key) continue;
      const window = Math.floor(now / throttle.periodSeconds);
      const count = await ctx.cache.incr(`throttle:${throttle.name}:${key}:${window}`, throttle.periodSeconds);
      const reset = new Date((window + 1) * throttle.periodSeconds * 1000).toISOString();
      reply.header('x-ratelimit-limit', String(throttle.limit));
      reply.header('x-ratelimit-remaining', String(Math.max(0, throttle.limit - count)));
      reply.header('x-ratelimit-reset', reset);
      if (count > throttle.limit) return reply.status(429).send({ error: 'Too many requests' });
    }
  });
}
