import type { AccountRow, UserRow } from './oauth/authenticate-token.ts';

/** Why a user may not act through the API (Mastodon's `require_user!`), or null when they may. */
export function userAccessProblem(user: UserRow, account: AccountRow): string | null {
  if (user.disabled) return 'Your login is currently disabled';
  if (account.suspendedAt) return 'Your login is currently disabled';
  if (!user.confirmedAt) return 'Your login is missing a confirmed e-mail address';
  if (!user.approved) return 'Your login is currently pending approval';
  return null;
}
