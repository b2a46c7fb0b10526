import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import type { DashboardPeriod } from './dashboard-period.ts';

export type CohortFrequency = 'day' | 'month';

/** Mastodon's Admin::Cohort entity. */
export interface Cohort {
  period: string;
  frequency: CohortFrequency;
  data: { date: string; rate: number; value: string }[];
}

const iso = (value: Date | string) => `${new Date(`${String(value instanceof Date ? value.toISOString() : value).slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 19)}Z`;

/**
 * Admin::Metrics::Retention: the users who signed up in each day (or month) of the period, and for
 * each later bucket how many of them (and what share) were last seen then or after it.
 */
export async function retentionCohorts(ctx: AppContext, period: DashboardPeriod, frequency: CohortFrequency): Promise<Cohort[]> {
  const unit = sql.raw(`'${frequency}'`);
  const rows = await queryRows<{ cohort_period: Date | string; retention_period: Date | string; value: string; size: string }>(
    ctx.db,
    sql`WITH buckets AS (
          SELECT b::date AS bucket FROM generate_series(date_trunc(${unit}, ${period.start.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
                                                        date_trunc(${unit}, ${period.end.toISOString()}::timestamptz AT TIME ZONE 'UTC'), ('1 ' || ${unit})::interval) b
        ), signed_up AS (
          SELECT date_trunc(${unit}, u.created_at AT TIME ZONE 'UTC')::date AS cohort, date_trunc(${unit}, u.current_sign_in_at AT TIME ZONE 'UTC')::date AS seen
            FROM users u
           WHERE u.created_at >= date_trunc(${unit}, ${period.start.toISOString()}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        )
        SELECT c.bucket::text AS cohort_period, r.bucket::text AS retention_period,
               (SELECT count(*) FROM signed_up s WHERE s.cohort = c.bucket AND s.seen >= r.bucket)::text AS value,
               (SELECT count(*) FROM signed_up s WHERE s.cohort = c.bucket)::text AS size
          FROM buckets c JOIN buckets r ON r.bucket >= c.bucket
         ORDER BY c.bucket, r.bucket`,
  );
  const cohorts: Cohort[] = [];
  for (const row of rows) {
    const periodKey = iso(row.cohort_period);
    let cohort = cohorts.at(-1);
    if (cohort?.period !== periodKey) {
      cohort = { period: periodKey, frequency, data: [] };
      cohorts.push(cohort);
    }
    const value = Number(row.value);
    cohort.data.push({ date: iso(row.retention_period), rate: value / Math.max(Number(row.size), 1), value: String(value) });
  }
  return cohorts;
}
