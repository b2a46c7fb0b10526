/**
 * Mastodon's OAuth scopes (config/initializers/doorkeeper.rb). A broad scope covers its
 * `scope:resource` children, and the deprecated `follow` covers the follow/block/mute ones.
 */
const WRITE = ['accounts', 'blocks', 'bookmarks', 'collections', 'conversations', 'favourites', 'filters', 'follows', 'lists', 'media', 'mutes', 'notifications', 'reports', 'statuses'];
const READ = ['accounts', 'blocks', 'bookmarks', 'collections', 'favourites', 'filters', 'follows', 'lists', 'mutes', 'notifications', 'search', 'statuses'];
const ADMIN = ['accounts', 'reports', 'domain_allows', 'domain_blocks', 'ip_blocks', 'email_domain_blocks', 'canonical_email_blocks'];

export const SCOPES: readonly string[] = [
  'read',
  ...READ.map((r) => `read:${r}`),
  'write',
  ...WRITE.map((r) => `write:${r}`),
  'follow',
  'push',
  'profile',
  'admin:read',
  ...ADMIN.map((r) => `admin:read:${r}`),
  'admin:write',
  ...ADMIN.map((r) => `admin:write:${r}`),
];

const FOLLOW_COVERS = new Set(['read:follows', 'write:follows', 'read:blocks', 'write:blocks', 'read:mutes', 'write:mutes']);

export const DEFAULT_SCOPES = 'read';

/** Splits a space- or plus-separated scope string; an empty one means the default. */
export function parseScopes(value: string | undefined | null): string[] {
  const list = (value ?? '').split(/[\s+]+/).filter(Boolean);
  return list.length > 0 ? [...new Set(list)] : [DEFAULT_SCOPES];
}

export function unknownScopes(scopes: string[]): string[] {
  return scopes.filter((scope) => !SCOPES.includes(scope));
}

/** Whether a token granted `granted` may use an endpoint accepting `required`. */
export function grants(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const parent = required.slice(0, required.lastIndexOf(':'));
  if (required.includes(':') && granted.includes(parent)) return true;
  return granted.includes('follow') && FOLLOW_COVERS.has(required);
}

/** Whether every scope in `requested` is among (or under) the `allowed` ones — an app cannot ask for more than it registered. */
export function withinScopes(requested: readonly string[], allowed: readonly string[]): boolean {
  return requested.every((scope) => grants(allowed, scope));
}
