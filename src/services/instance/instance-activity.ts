import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { idFloor } from '../../lib/ids.ts';

const WEEK_MS = 7 * 86_400_000;
/** the answer is public and costly: computed at most hourly (Mastodon keeps it a day) */
const CACHE_TTL_SECONDS = 3600;

type WeekActivity = { week: string; statuses: string; logins: string; registrations: string };

/** The start of the week `at` is in: Monday 00:00 UTC (Rails' `beginning_of_week`). */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 86_400_000);
}

/**
 * `GET /api/v1/instance/activity` (Mastodon's ActivityTracker): for each of the last twelve weeks,
 * newest first, the local statuses posted, the local users who signed in or used the API, and the
 * sign-ups. Logins are read from what is recorded (sign-ins, browser sessions, tokens made or used),
 * so a member active in several weeks counts in the weeks whose traces remain. Cached for an hour.
 */
export async function instanceActivity(ctx: AppContext, now = new Date()): Promise<WeekActivity[]> {
  const current = weekStart(now);
  const key = `instance:activity:${current.getTime()}`;
  const cached = await ctx.cache.get(key);
  if (cached) return JSON.parse(cached) as WeekActivity[];
  const weeks = Array.from({ length: 12 }, (_, i) => new Date(current.getTime() - i * WEEK_MS));
  const since = weeks[11]!;
  const rows = await queryRows<{ week: string; statuses: string; logins: string; registrations: string }>(
    ctx.db,
    sql`WITH weeks AS (
          SELECT w AS starts, w + interval '7 days' AS ends FROM unnest(ARRAY[${sql.join(
            weeks.map((week) => sql`${week.toISOString()}::timestamptz`),
            sql`, `,
          )}]) AS w
        ), posted AS (
          -- one pass over the twelve weeks' statuses, a primary key range (ids are time-ordered)
          SELECT w.starts, count(*) AS n FROM statuses s JOIN weeks w ON s.created_at >= w.starts AND s.created_at < w.ends
           WHERE s.id >= ${idFloor(since)} AND s.local GROUP BY w.starts
        ), logins AS (
          SELECT id AS user_id, current_sign_in_at AS at FROM users WHERE current_sign_in_at >= ${since.toISOString()}::timestamptz
          UNION ALL SELECT id, last_sign_in_at FROM users WHERE last_sign_in_at >= ${since.toISOString()}::timestamptz
          UNION ALL SELECT user_id, created_at FROM session_activations WHERE created_at >= ${since.toISOString()}::timestamptz
          UNION ALL SELECT user_id, created_at FROM oauth_access_tokens WHERE user_id IS NOT NULL AND created_at >= ${since.toISOString()}::timestamptz
          UNION ALL SELECT user_id, last_used_at FROM oauth_access_tokens WHERE user_id IS NOT NULL AND last_used_at >= ${since.toISOString()}::timestamptz
        )
        SELECT (extract(epoch FROM w.starts))::bigint::text AS week,
               coalesce(p.n, 0)::text AS statuses,
               (SELECT count(DISTINCT l.user_id) FROM logins l WHERE l.at >= w.starts AND l.at < w.ends)::text AS logins,
               (SELECT count(*) FROM users u WHERE u.created_at >= w.starts AND u.created_at < w.ends)::text AS registrations
          FROM weeks w LEFT JOIN posted p ON p.starts = w.starts ORDER BY w.starts DESC`,
  );
  const activity = rows.map((row) => ({ week: String(row.week), statuses: String(row.statuses), logins: String(row.logins), registrations: String(row.registrations) }));
  await ctx.cache.set(key, JSON.stringify(activity), CACHE_TTL_SECONDS);
  return activity;
}
