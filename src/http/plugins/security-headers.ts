import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The pages' Content-Security-Policy, after Mastodon's (config/initializers/content_security_policy.rb):
 * nothing loads unless listed, no scripts at all (the pages have none), styles only from this site's
 * stylesheet, and no other site may frame them (clickjacking the sign-in or consent page).
 * No `form-action`: browsers apply it to the redirect after a form is sent, and consenting
 * redirects to the client's own origin.
 */
const POLICY = ["default-src 'none'", "base-uri 'none'", "style-src 'self'", "img-src 'self' https: data: blob:", "media-src 'self' https: data: blob:", "font-src 'self'"];
const CONTENT_SECURITY_POLICY = [...POLICY, "frame-ancestors 'none'"].join('; ');

/** What Mastodon sends with its HTML (Rails' defaults as it configures them; `same-origin` unless `allow_referrer_origin`). */
const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const;

/** The same policy for a page other sites may frame (Mastodon's embedded statuses): no frame-ancestors, no X-Frame-Options. */
const EMBEDDABLE_HEADERS = { 'content-security-policy': POLICY.join('; '), 'referrer-policy': 'same-origin' } as const;

/** Replies whose HTML sends other headers than HTML_HEADERS. */
const ownHeaders = new WeakMap<FastifyReply, Record<string, string>>();

/** Lets this reply's HTML be framed by any site. */
export function allowFraming(reply: FastifyReply) {
  ownHeaders.set(reply, EMBEDDABLE_HEADERS);
}

/**
 * The web client's page: scripts from this site only (never inline), `fetch` and WebSocket to this
 * site and the streaming API, images and media also from the media host (an S3 bucket or its CDN,
 * which may be plain http on a trial instance); it cannot be framed either.
 */
export function useClientPolicy(reply: FastifyReply, sources: { streaming: string; media?: string }) {
  const media = sources.media ? ` ${sources.media}` : '';
  const policy = [
    "default-src 'none'",
    "base-uri 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' https: data: blob:${media}`,
    `media-src 'self' https: data: blob:${media}`,
    "font-src 'self'",
    `connect-src 'self' ${sources.streaming}`,
    "manifest-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  ownHeaders.set(reply, { ...HTML_HEADERS, 'content-security-policy': policy });
}

/**
 * A page using the pages' own script (security keys): the pages' policy, with scripts from this
 * site (never inline) and requests to it.
 */
export function useScriptPolicy(reply: FastifyReply) {
  const policy = [...POLICY, "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"].join('; ');
  ownHeaders.set(reply, { ...HTML_HEADERS, 'content-security-policy': policy });
}

/** hCaptcha's hosts, which Mastodon's CaptchaConcern adds to a page's policy when the widget is on it. */
const HCAPTCHA_SOURCES = 'https://hcaptcha.com https://*.hcaptcha.com';

/**
 * A page showing the hCaptcha widget: the pages' policy, with hCaptcha's script, frame, styles and
 * requests allowed (and only those: still no inline script).
 */
export function useCaptchaPolicy(reply: FastifyReply) {
  const policy = [
    ...POLICY.map((directive) => (directive === "style-src 'self'" ? `${directive} ${HCAPTCHA_SOURCES}` : directive)),
    `script-src ${HCAPTCHA_SOURCES}`,
    `frame-src ${HCAPTCHA_SOURCES}`,
    `connect-src ${HCAPTCHA_SOURCES}`,
    "frame-ancestors 'none'",
  ].join('; ');
  ownHeaders.set(reply, { ...HTML_HEADERS, 'content-security-policy': policy });
}

/**
 * One hook for every response: none may be sniffed into another type, and every HTML one (pages,
 * forms and HTML error pages alike) gets the policy above.
 */
export function registerSecurityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) reply.headers(ownHeaders.get(reply) ?? HTML_HEADERS);
    return payload;
  });
}
