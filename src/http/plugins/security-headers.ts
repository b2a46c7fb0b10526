import type { FastifyInstance } from 'fastify';

/**
 * The pages' Content-Security-Policy, after Mastodon's (config/initializers/content_security_policy.rb):
 * nothing loads unless listed, no scripts at all (the pages have none), styles only from this site's
 * stylesheet, and no other site may frame them (clickjacking the sign-in or consent page).
 * No `form-action`: browsers apply it to the redirect after a form is sent, and consenting
 * redirects to the client's own origin.
 */
const CONTENT_SECURITY_POLICY = ["default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "style-src 'self'", "img-src 'self' https: data: blob:", "font-src 'self'"].join('; ');

/** What Mastodon sends with its HTML (Rails' defaults as it configures them; `same-origin` unless `allow_referrer_origin`). */
const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const;

/**
 * One hook for every response: none may be sniffed into another type, and every HTML one (pages,
 * forms and HTML error pages alike) gets the policy above.
 */
export function registerSecurityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) reply.headers(HTML_HEADERS);
    return payload;
  });
}
