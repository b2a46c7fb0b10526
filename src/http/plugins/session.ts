import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { hmac, randomToken, safeEqual } from '../../lib/crypto.ts';
import { ApiError } from '../../lib/errors.ts';
import { sessionUser } from '../../services/accounts/sessions.ts';

const SESSION_COOKIE = '_subspace_session';
const CSRF_COOKIE = '_subspace_csrf';
/** a sign-in awaiting its second factor (services/two-factor/sign-in-attempts.ts) */
const SIGN_IN_ATTEMPT_COOKIE = '_subspace_sign_in_attempt';

export async function registerSession(app: FastifyInstance, ctx: AppContext) {
  await app.register(cookie, { secret: ctx.config.secretKeyBase });
}

function cookieOptions(ctx: AppContext) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: ctx.config.https, signed: true };
}

function readSigned(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies[name];
  if (!raw) return undefined;
  const result = request.unsignCookie(raw);
  return result.valid && result.value ? result.value : undefined;
}

/** The id of this browser's session, from its signed cookie, if any. */
export function currentSessionId(request: FastifyRequest): string | undefined {
  return readSigned(request, SESSION_COOKIE);
}

/** The signed-in browser user, if any. */
export async function currentSession(ctx: AppContext, request: FastifyRequest) {
  const id = currentSessionId(request);
  return id ? sessionUser(ctx, id) : undefined;
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, sessionId: string) {
  reply.setCookie(SESSION_COOKIE, sessionId, { ...cookieOptions(ctx), maxAge: 365 * 24 * 3600 });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

export function setSignInAttemptCookie(ctx: AppContext, reply: FastifyReply, token: string) {
  reply.setCookie(SIGN_IN_ATTEMPT_COOKIE, token, cookieOptions(ctx));
}

export function clearSignInAttemptCookie(reply: FastifyReply) {
  reply.clearCookie(SIGN_IN_ATTEMPT_COOKIE, { path: '/' });
}

/** The token of this browser's sign-in awaiting its second factor, if any. */
export function signInAttemptToken(request: FastifyRequest): string | undefined {
  return readSigned(request, SIGN_IN_ATTEMPT_COOKIE);
}

/** The authenticity token for forms: an HMAC of a per-browser random cookie (double-submit). */
export function csrfToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  let seed = readSigned(request, CSRF_COOKIE);
  if (!seed) {
    seed = randomToken(16);
    reply.setCookie(CSRF_COOKIE, seed, cookieOptions(ctx));
  }
  return hmac(ctx.config.secretKeyBase, `csrf:${seed}`);
}

export function verifyCsrf(ctx: AppContext, request: FastifyRequest, submitted: unknown) {
  const seed = readSigned(request, CSRF_COOKIE);
  const expected = seed ? hmac(ctx.config.secretKeyBase, `csrf:${seed}`) : undefined;
  if (!expected || typeof submitted !== 'string' || !safeEqual(expected, submitted)) {
    throw new ApiError(422, "Can't verify CSRF token authenticity.");
  }
}
