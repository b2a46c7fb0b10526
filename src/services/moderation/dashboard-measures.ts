import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { ApiError } from '../../lib/errors.ts';
import { idFloor, rowId } from '../../lib/ids.ts';
import { accountsOfDomain } from '../relationships/block-domain.ts';
import { type DashboardPeriod, dayTimestamp, humanSize, periodDays, periodStop, previousPeriod } from './dashboard-period.ts';

/** What a measure about one hashtag or one server is asked about (`tag_uses[id]`, `instance_statuses[domain]`…). */
interface MeasureSubject {
  tagId?: string;
  domain?: string;
  includeSubdomains?: boolean;
}

interface MeasureSpec {
  /** the parameter the measure requires under its key */
  param?: 'id' | 'domain';
  unit?: 'bytes';
  /** the total counts all time (no previous total), as Mastodon's instance measures */
  totalOfAllTime?: boolean;
  /** the value is the sum of the events' `weight`, not the count of their distinct `key`s */
  sum?: boolean;
  /** rows (at, key, weight) of the events from `from` (included) to `to` (excluded) */
  events: (from: Date, to: Date, subject: MeasureSubject) => SQL;
}

const between = (column: SQL, from: Date, to: Date) => sql`${column} >= ${from.toISOString()}::timestamptz AND ${column} < ${to.toISOString()}::timestamptz`;

/** the accounts (`a`) of the subject's server: that domain, or it and its subdomains */
const ofDomain = (subject: MeasureSubject) => (subject.includeSubdomains ? accountsOfDomain(subject.domain!) : sql`lower(a.domain) = ${subject.domain}`);

/** statuses with the subject's hashtag (`s`, by `a`) between the dates, found through their time-ordered ids */
const taggedStatuses = (from: Date, to: Date, subject: MeasureSubject, select: SQL) =>
  sql`SELECT s.created_at AS at, ${select} FROM statuses_tags st JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = s.account_id
       WHERE st.tag_id = ${subject.tagId} AND st.status_id >= ${idFloor(from)} AND ${between(sql`s.created_at`, from, to)} AND s.deleted_at IS NULL`;

/** Mastodon's Admin::Metrics::Measure::* (app/lib/admin/metrics/measure), counted from the database. */
const MEASURES: Record<string, MeasureSpec> = {
  // local users active (signed in or using a token) on each day; the total adds up the days, as Mastodon's tracker does
  active_users: {
    events: (from, to) =>
      sql`SELECT d.day::timestamp AS at, d.day::text || ':' || d.user_id::text AS key, 1 AS weight FROM user_activity_days d WHERE ${between(sql`d.day::timestamp AT TIME ZONE 'UTC'`, from, to)}`,
  },
  new_users: { events: (from, to) => sql`SELECT u.created_at AS at, u.id::text AS key, 1 AS weight FROM users u WHERE ${between(sql`u.created_at`, from, to)}` },
  // favourites, boosts and replies that local statuses received
  interactions: {
    events: (from, to) => sql`
      SELECT f.created_at AS at, 'f' || f.id::text AS key, 1 AS weight FROM favourites f JOIN statuses s ON s.id = f.status_id JOIN accounts a ON a.id = s.account_id
       WHERE a.domain IS NULL AND ${between(sql`f.created_at`, from, to)}
      UNION ALL
      SELECT r.created_at, 's' || r.id::text, 1 FROM statuses r JOIN statuses s ON s.id = r.reblog_of_id JOIN accounts a ON a.id = s.account_id
       WHERE r.id >= ${idFloor(from)} AND a.domain IS NULL AND r.deleted_at IS NULL AND ${between(sql`r.created_at`, from, to)}
      UNION ALL
      SELECT r.created_at, 's' || r.id::text, 1 FROM statuses r JOIN accounts a ON a.id = r.in_reply_to_account_id
       WHERE r.id >= ${idFloor(from)} AND a.domain IS NULL AND r.account_id <> r.in_reply_to_account_id AND r.deleted_at IS NULL AND ${between(sql`r.created_at`, from, to)}`,
  },
  opened_reports: { events: (from, to) => sql`SELECT r.created_at AS at, r.id::text AS key, 1 AS weight FROM reports r WHERE ${between(sql`r.created_at`, from, to)}` },
  resolved_reports: { events: (from, to) => sql`SELECT r.action_taken_at AS at, r.id::text AS key, 1 AS weight FROM reports r WHERE ${between(sql`r.action_taken_at`, from, to)}` },
  tag_accounts: { param: 'id', events: (from, to, subject) => taggedStatuses(from, to, subject, sql`s.account_id::text AS key, 1 AS weight`) },
  tag_uses: { param: 'id', events: (from, to, subject) => taggedStatuses(from, to, subject, sql`s.id::text AS key, 1 AS weight`) },
  // the servers the hashtag's statuses came from (local statuses count for no server, as Mastodon's)
  tag_servers: { param: 'id', events: (from, to, subject) => taggedStatuses(from, to, subject, sql`lower(a.domain) AS key, 1 AS weight`) },
  instance_accounts: {
    param: 'domain',
    totalOfAllTime: true,
    events: (from, to, subject) => sql`SELECT a.created_at AS at, a.id::text AS key, 1 AS weight FROM accounts a WHERE ${ofDomain(subject)} AND ${between(sql`a.created_at`, from, to)}`,
  },
  instance_media_attachments: {
    param: 'domain',
    unit: 'bytes',
    totalOfAllTime: true,
    sum: true,
    events: (from, to, subject) =>
      sql`SELECT m.created_at AS at, m.id::text AS key, coalesce(m.file_size, 0) AS weight FROM media_attachments m JOIN accounts a ON a.id = m.account_id
           WHERE ${ofDomain(subject)} AND ${between(sql`m.created_at`, from, to)}`,
  },
  instance_reports: {
    param: 'domain',
    totalOfAllTime: true,
    events: (from, to, subject) =>
      sql`SELECT r.created_at AS at, r.id::text AS key, 1 AS weight FROM reports r JOIN accounts a ON a.id = r.target_account_id WHERE ${ofDomain(subject)} AND ${between(sql`r.created_at`, from, to)}`,
  },
  instance_statuses: {
    param: 'domain',
    totalOfAllTime: true,
    events: (from, to, subject) =>
      sql`SELECT s.created_at AS at, s.id::text AS key, 1 AS weight FROM statuses s JOIN accounts a ON a.id = s.account_id
           WHERE ${ofDomain(subject)} AND s.deleted_at IS NULL AND ${between(sql`s.created_at`, from, to)}`,
  },
  // local accounts following the server's accounts
  instance_follows: {
    param: 'domain',
    totalOfAllTime: true,
    events: (from, to, subject) =>
      sql`SELECT f.created_at AS at, f.id::text AS key, 1 AS weight FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE ${ofDomain(subject)} AND ${between(sql`f.created_at`, from, to)}`,
  },
  // the server's accounts following local accounts
  instance_followers: {
    param: 'domain',
    totalOfAllTime: true,
    events: (from, to, subject) =>
      sql`SELECT f.created_at AS at, f.id::text AS key, 1 AS weight FROM follows f JOIN accounts a ON a.id = f.account_id WHERE ${ofDomain(subject)} AND ${between(sql`f.created_at`, from, to)}`,
  },
};

export const MEASURE_KEYS = Object.keys(MEASURES);

/** Mastodon's Admin::Measure entity. */
export interface Measure {
  key: string;
  unit: string | null;
  total: string;
  human_value?: string;
  previous_total?: string;
  data: { date: string; value: string }[];
}

const ALL_TIME = { from: new Date(0), to: new Date('9999-01-01T00:00:00Z') };

async function aggregate(ctx: AppContext, spec: MeasureSpec, from: Date, to: Date, subject: MeasureSubject): Promise<number> {
  const [row] = await queryRows<{ value: string | null }>(
    ctx.db,
    sql`SELECT ${spec.sum ? sql`coalesce(sum(weight), 0)` : sql`count(DISTINCT key)`}::text AS value FROM (${spec.events(from, to, subject)}) e`,
  );
  return Number(row?.value ?? 0);
}

async function measure(ctx: AppContext, key: string, spec: MeasureSpec, period: DashboardPeriod, subject: MeasureSubject): Promise<Measure> {
  const stop = periodStop(period);
  const daily = await queryRows<{ day: number | string; value: string }>(
    ctx.db,
    sql`SELECT floor(extract(epoch FROM at) / 86400)::int AS day, ${spec.sum ? sql`coalesce(sum(weight), 0)` : sql`count(DISTINCT key)`}::text AS value
          FROM (${spec.events(period.start, stop, subject)}) e GROUP BY 1`,
  );
  const byDay = new Map(daily.map((row) => [Number(row.day), row.value]));
  const data = periodDays(period).map((day) => ({ date: dayTimestamp(day), value: byDay.get(day) ?? '0' }));
  const total = spec.totalOfAllTime ? await aggregate(ctx, spec, ALL_TIME.from, ALL_TIME.to, subject) : await aggregate(ctx, spec, period.start, stop, subject);
  const rendered: Measure = { key, unit: spec.unit ?? null, total: String(total), data };
  if (spec.unit === 'bytes') rendered.human_value = humanSize(total);
  if (!spec.totalOfAllTime) {
    const previous = previousPeriod(period);
    rendered.previous_total = String(await aggregate(ctx, spec, previous.start, periodStop(previous), subject));
  }
  return rendered;
}

/** The parameter a measure needs (`tag_uses: {id}`, `instance_statuses: {domain, include_subdomains}`); a 400 when it is missing, as Rails' `params.require`. */
function subjectOf(key: string, spec: MeasureSpec, input: Record<string, unknown>): MeasureSubject {
  if (!spec.param) return {};
  const nested = input[key];
  const value = nested && typeof nested === 'object' ? (nested as Record<string, unknown>)[spec.param] : undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new ApiError(400, `param is missing or the value is empty: ${key}`);
  if (spec.param === 'id') {
    const tagId = rowId(String(value));
    // an id that cannot be a tag's measures nothing
    return { tagId: tagId ?? '0' };
  }
  const includeSubdomains = (nested as Record<string, unknown>).include_subdomains;
  return { domain: String(value).trim().toLowerCase(), includeSubdomains: includeSubdomains === true || includeSubdomains === 'true' || includeSubdomains === '1' };
}

/** Admin::Metrics::Measure.retrieve: the known keys asked for, in order; unknown keys are left out. */
export async function retrieveMeasures(ctx: AppContext, keys: string[], period: DashboardPeriod, input: Record<string, unknown>): Promise<Measure[]> {
  const known = keys.filter((key) => Object.hasOwn(MEASURES, key));
  const subjects = known.map((key) => subjectOf(key, MEASURES[key]!, input));
  const measures: Measure[] = [];
  for (const [i, key] of known.entries()) measures.push(await measure(ctx, key, MEASURES[key]!, period, subjects[i]!));
  return measures;
}
