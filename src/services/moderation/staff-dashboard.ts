import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';

/** The counters of the staff dashboard (Mastodon's Admin::DashboardController and its week's measures). */
export interface DashboardCounts {
  openReports: number;
  /** sign-ups waiting for staff approval */
  pendingSignUps: number;
  /** local users who signed up in the last 7 days */
  newUsersThisWeek: number;
  /** local users active (signed in or using a token) in the last 7 days */
  activeUsersThisWeek: number;
}

export async function dashboardCounts(ctx: AppContext): Promise<DashboardCounts> {
  const [row] = await queryRows<Record<string, string | number>>(
    ctx.db,
    sql`SELECT
      (SELECT count(*) FROM reports WHERE action_taken_at IS NULL) AS open_reports,
      (SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id WHERE NOT u.approved AND a.suspended_at IS NULL) AS pending_sign_ups,
      (SELECT count(*) FROM users WHERE created_at > now() - interval '7 days') AS new_users,
      (SELECT count(*) FROM users u WHERE u.confirmed_at IS NOT NULL AND (
         u.current_sign_in_at > now() - interval '7 days'
         OR EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.user_id = u.id AND t.last_used_at > now() - interval '7 days')
      )) AS active_users`,
  );
  return {
    openReports: Number(row?.open_reports ?? 0),
    pendingSignUps: Number(row?.pending_sign_ups ?? 0),
    newUsersThisWeek: Number(row?.new_users ?? 0),
    activeUsersThisWeek: Number(row?.active_users ?? 0),
  };
}
