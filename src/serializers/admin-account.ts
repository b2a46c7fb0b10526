import type { AccountRow, UserRow } from '../db/schema.ts';
import type { Account } from './entities.ts';
import { renderRole } from './role.ts';

/** One address a user signed up or signed in from (REST::Admin::IpSerializer). */
export interface UserIp {
  ip: string;
  used_at: string;
}

/**
 * Mastodon's Admin::Account entity (REST::Admin::AccountSerializer): the account with what staff
 * see of its user. A remote account has no user: its user fields are null and `ips` is empty.
 * `created_by_application_id` and `invited_by_account_id` are there only when they apply, as in Mastodon.
 */
export function serializeAdminAccount(account: AccountRow, user: UserRow | null, rendered: Account, ips: UserIp[], invitedByAccountId?: string) {
  return {
    id: account.id,
    username: account.username,
    domain: account.domain,
    created_at: account.createdAt.toISOString(),
    email: user?.email ?? null,
    ip: ips[0]?.ip ?? null,
    role: user ? renderRole(user.role) : null,
    confirmed: user ? user.confirmedAt !== null : null,
    suspended: account.suspendedAt !== null,
    silenced: account.silencedAt !== null,
    sensitized: account.sensitizedAt !== null,
    disabled: user ? user.disabled : null,
    approved: user ? user.approved : null,
    locale: user ? (user.locale ?? null) : null,
    invite_request: user?.inviteRequestText ?? null,
    ...(user?.createdByApplicationId ? { created_by_application_id: user.createdByApplicationId } : {}),
    ...(invitedByAccountId ? { invited_by_account_id: invitedByAccountId } : {}),
    ips,
    account: rendered,
  };
}

export type AdminAccountEntity = ReturnType<typeof serializeAdminAccount>;
