/**
 * Mastodon's seeded staff roles (config/roles.yml). Permissions are Mastodon's bit flags
 * (app/models/user_role.rb): the Moderator has invite_users, view_dashboard, view_audit_log,
 * view_feeds, manage_users, manage_reports and manage_taxonomies; the Admin every flag but
 * administrator and view_devops; the Owner has `administrator` (every permission).
 */
export const ROLES = {
  Moderator: { id: '1', name: 'Moderator', color: '', permissions: 0x11051c, highlighted: true },
  Admin: { id: '2', name: 'Admin', color: '', permissions: 0x1ffffc, highlighted: true },
  Owner: { id: '3', name: 'Owner', color: '', permissions: 0x1, highlighted: true },
} as const;

export type RoleName = keyof typeof ROLES;

export function isRole(value: string): value is RoleName {
  return Object.hasOwn(ROLES, value);
}

/** Mastodon's UserRole::FLAGS, the ones the admin API and the staff pages check. */
export const PERMISSIONS = {
  administrator: 0x1,
  viewDevops: 1 << 1,
  viewAuditLog: 1 << 2,
  viewDashboard: 1 << 3,
  manageReports: 1 << 4,
  manageFederation: 1 << 5,
  manageSettings: 1 << 6,
  manageBlocks: 1 << 7,
  manageTaxonomies: 1 << 8,
  manageAppeals: 1 << 9,
  manageRules: 1 << 12,
  manageAnnouncements: 1 << 13,
  manageCustomEmojis: 1 << 14,
  manageWebhooks: 1 << 15,
  inviteUsers: 1 << 16,
  manageUsers: 1 << 10,
  deleteUserData: 1 << 19,
} as const;

/** What every member may do (Mastodon's `@everyone` role by default): invite others. */
export const EVERYONE_PERMISSIONS = PERMISSIONS.inviteUsers;

/** Whether a user with `role` (none for a member) holds `permission` (the Owner's `administrator` holds every one). */
export function hasPermission(role: string | null | undefined, permission: number): boolean {
  if (!role || !isRole(role)) return (EVERYONE_PERMISSIONS & permission) !== 0;
  const granted: number = ROLES[role].permissions;
  return (granted & PERMISSIONS.administrator) !== 0 || (granted & permission) !== 0;
}

/** Mastodon's seeded role positions; members (the everyone role) are below every staff role. */
const POSITIONS: Record<RoleName, number> = { Moderator: 10, Admin: 100, Owner: 1000 };

/** Whether staff with `role` ranks above `other` (UserRole#overrides?), as staff who may bypass a member's notification filters must. */
export function outranks(role: string | null | undefined, other: string | null | undefined): boolean {
  if (!role || !isRole(role)) return false;
  const otherPosition = other && isRole(other) ? POSITIONS[other] : -1;
  return POSITIONS[role] > otherPosition;
}
