import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';

/** Why a user may not act through the API (Mastodon's `require_user!`), or null when they may. */
export function userAccessProblem(user: UserRow, account: AccountRow): string | null {
  // Mastodon's order: confirmation first, then approval, then whether the login still works.
  if (!user.confirmedAt) return 'Your login is missing a confirmed e-mail address';
  if (!user.approved) return 'Your login is currently pending approval';
  if (user.disabled) return 'Your login is currently disabled';
  if (account.suspendedAt) return 'Your login is currently disabled';
  return null;
}
