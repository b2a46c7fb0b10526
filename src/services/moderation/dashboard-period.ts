import { ApiError } from '../../lib/errors.ts';

export const DAY_MS = 86_400_000;

/** The days a dashboard metric covers: from the start day to the end day, both included (times of day are ignored, as Mastodon's). */
export interface DashboardPeriod {
  /** midnight UTC of the first day */
  start: Date;
  /** midnight UTC of the last day */
  end: Date;
}

function dayOf(name: string, value: unknown): Date {
  const parsed = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new ApiError(400, `${name} must be a date (YYYY-MM-DD)`);
  return parsed;
}

/** `start_at` and `end_at` as Mastodon's metrics read them; a 400 when either is missing or not a date, or the end is before the start. */
export function dashboardPeriod(startAt: unknown, endAt: unknown): DashboardPeriod {
  const start = dayOf('start_at', startAt);
  const end = dayOf('end_at', endAt);
  if (end < start) throw new ApiError(400, 'end_at must not be before start_at');
  if ((end.getTime() - start.getTime()) / DAY_MS > 3660) throw new ApiError(400, 'the period may cover ten years at most');
  return { start, end };
}

/** The period as long as this one just before it (Mastodon's previous_time_period: shifted back by end − start). */
export function previousPeriod(period: DashboardPeriod): DashboardPeriod {
  const length = period.end.getTime() - period.start.getTime();
  return { start: new Date(period.start.getTime() - length), end: new Date(period.end.getTime() - length) };
}

/** The day after the period's last: the exclusive bound of its times. */
export const periodStop = (period: DashboardPeriod) => new Date(period.end.getTime() + DAY_MS);

/** Each day of the period, as UTC day numbers (days since the epoch). */
export function periodDays(period: DashboardPeriod): number[] {
  const first = period.start.getTime() / DAY_MS;
  const last = period.end.getTime() / DAY_MS;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** A day number as Mastodon renders a bucket: midnight UTC in ISO 8601. */
export const dayTimestamp = (day: number) => `${new Date(day * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`;

/** Rails' number_to_human_size: base 1024, three significant digits, insignificant zeros dropped. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'Byte' : 'Bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}
