/** Response headers a cross-origin script may read, as Mastodon exposes them. */
export const EXPOSED_HEADERS = 'Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id';
/** The headers of a cross-origin response that is not a preflight (also written by the streaming API's hijacked responses). */
export const CORS_RESPONSE_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED_HEADERS,
} as const;
