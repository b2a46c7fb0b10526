import { isRole, ROLES, EVERYONE_PERMISSIONS } from '../lib/user-roles.ts';

/** The `role` of a CredentialAccount: members get Mastodon's everyone role (-99). */
export function renderRole(role: string | null | undefined) {
  if (role && isRole(role)) {
    const r = ROLES[role];
    return { id: r.id, name: r.name, color: r.color, permissions: String(r.permissions), highlighted: r.highlighted };
  }
  return { id: '-99', name: '', color: '', permissions: String(EVERYONE_PERMISSIONS), highlighted: false };
}
