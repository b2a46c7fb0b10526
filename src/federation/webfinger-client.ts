import type { AppContext } from '../context.ts';

/** A handle split into its parts, the domain lower-case and with its port if any. */
export interface Handle {
  username: string;
  domain: string;
}

/** What WebFinger says about a handle: the handle it confirms (`subject`) and the actor it points to. */
export interface WebFingerResult extends Handle {
  actorUri: string;
}

export class WebFingerError extends Error {}

const ACTIVITY_TYPES = new Set(['application/activity+json', 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']);
const USERNAME = /^[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_])?$/i;
const MAX_HANDLE_LENGTH = 512;

/** `user@domain`, `@user@domain` or `acct:user@domain` as a handle, or undefined when it is none. */
export function parseHandle(input: string): Handle | undefined {
  const trimmed = input
    .trim()
    .replace(/^acct:/i, '')
    .replace(/^@/, '');
  if (trimmed.length > MAX_HANDLE_LENGTH) return undefined;
  const parts = trimmed.split('@');
  if (parts.length !== 2) return undefined;
  const [username, domain] = parts as [string, string];
  const lower = domain.toLowerCase();
  if (!USERNAME.test(username) || !lower || /[\s/?#@\\]/.test(lower)) return undefined;
  try {
    // the host as a URL has it: punycode, the port kept unless it is the default
    const url = new URL(`http://${lower}`);
    return url.pathname === '/' && !url.username && !url.password ? { username, domain: url.host } : undefined;
  } catch {
    return undefined;
  }
}

function sameHandle(a: Handle, b: Handle): boolean {
  return a.username.toLowerCase() === b.username.toLowerCase() && a.domain === b.domain;
}

/**
 * One WebFinger query. Remote instances are asked over https, or over http when this instance
 * itself runs on http (LOCAL_HTTPS=false: trials and tests on one machine), as Mastodon does in development.
 * Its fetch goes through the outbound policy of the surrounding withFederation().
 */
async function query(ctx: AppContext, handle: Handle): Promise<WebFingerResult> {
  const scheme = ctx.config.https ? 'https' : 'http';
  const url = new URL(`${scheme}://${handle.domain}/.well-known/webfinger`);
  url.searchParams.set('resource', `acct:${handle.username}@${handle.domain}`);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/jrd+json, application/json' }, redirect: 'follow' });
  } catch (error) {
    throw new WebFingerError(`WebFinger request to ${handle.domain} failed: ${(error as Error).message}`);
  }
  if (!response.ok) {
    void response.body?.cancel();
    throw new WebFingerError(`WebFinger for ${handle.username}@${handle.domain} answered ${response.status}`);
  }
  let jrd: unknown;
  try {
    jrd = await response.json();
  } catch {
    throw new WebFingerError(`WebFinger for ${handle.username}@${handle.domain} is not JSON`);
  }
  const { subject, links } = (typeof jrd === 'object' && jrd !== null ? jrd : {}) as { subject?: unknown; links?: unknown };
  const confirmed = typeof subject === 'string' ? parseHandle(subject) : undefined;
  if (!confirmed) throw new WebFingerError(`WebFinger for ${handle.username}@${handle.domain} has no usable subject`);
  const self = (Array.isArray(links) ? links.slice(0, 100) : []).find(
    (link): link is { href: string } => typeof link === 'object' && link !== null && link.rel === 'self' && ACTIVITY_TYPES.has(link.type) && typeof link.href === 'string',
  );
  let actorUri: URL | undefined;
  try {
    actorUri = self ? new URL(self.href) : undefined;
  } catch {
    actorUri = undefined;
  }
  if (!actorUri || (actorUri.protocol !== 'https:' && actorUri.protocol !== 'http:')) {
    throw new WebFingerError(`WebFinger for ${handle.username}@${handle.domain} names no ActivityPub actor`);
  }
  return { ...confirmed, actorUri: actorUri.href };
}

/**
 * Mastodon's ResolveAccountService WebFinger step: the handle's own answer, or, when its subject
 * names another handle (an alias, a redirect), that handle's answer, which must confirm itself.
 */
export async function webfinger(ctx: AppContext, handle: Handle): Promise<WebFingerResult> {
  const first = await query(ctx, handle);
  if (sameHandle(first, handle)) return first;
  const second = await query(ctx, first);
  if (!sameHandle(second, first)) throw new WebFingerError(`too many WebFinger redirects for ${handle.username}@${handle.domain}`);
  return second;
}
