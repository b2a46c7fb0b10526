import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { ApiError } from '../../lib/errors.ts';
import { idFloor, rowId } from '../../lib/ids.ts';
import { SUBSPACE_VERSION } from '../../lib/instance-limits.ts';
import { languageName } from '../../lib/languages.ts';
import { type DashboardPeriod, humanSize, periodStop } from './dashboard-period.ts';

/** Mastodon's Admin::Dimension entity's items. */
export interface DimensionItem {
  key: string;
  human_key: string;
  value: string;
  unit?: string;
  human_value?: string;
}

export interface Dimension {
  key: string;
  data: DimensionItem[];
}

interface DimensionQuery {
  ctx: AppContext;
  /** absent for the dimensions that are not about a period (space usage, versions) */
  period?: DashboardPeriod;
  limit: number | null;
  tagId?: string;
  domain?: string;
}

interface DimensionSpec {
  param?: 'id' | 'domain';
  perform: (query: DimensionQuery) => Promise<DimensionItem[]>;
}

const limitClause = (limit: number | null) => (limit === null ? sql`` : sql`LIMIT ${limit}`);

const inPeriod = (column: SQL, period: DashboardPeriod | undefined) =>
  period ? sql`${column} >= ${period.start.toISOString()}::timestamptz AND ${column} < ${periodStop(period).toISOString()}::timestamptz` : sql`TRUE`;

const idsFrom = (period: DashboardPeriod | undefined) => (period ? sql`s.id >= ${idFloor(period.start)}` : sql`TRUE`);

/** rows of (name, value) counted, as items named by `human` */
async function counted(query: DimensionQuery, statement: SQL, human: (name: string) => string = (name) => name): Promise<DimensionItem[]> {
  const rows = await queryRows<{ name: string | null; value: string }>(query.ctx.db, statement);
  return rows.filter((row) => row.name !== null).map((row) => ({ key: row.name!, human_key: human(row.name!), value: String(row.value) }));
}

const bytes = (key: string, humanKey: string, value: number): DimensionItem => ({ key, human_key: humanKey, value: String(value), unit: 'bytes', human_value: humanSize(value) });
const version = (key: string, humanKey: string, value: string): DimensionItem => ({ key, human_key: humanKey, value, human_value: value });

/** Mastodon's Admin::Metrics::Dimension::* (app/lib/admin/metrics/dimension). */
const DIMENSIONS: Record<string, DimensionSpec> = {
  // the interface languages of the local users active in the period
  languages: {
    perform: (q) =>
      counted(
        q,
        sql`SELECT u.locale AS name, count(*)::text AS value FROM users u WHERE u.locale IS NOT NULL AND ${inPeriod(sql`u.current_sign_in_at`, q.period)}
             GROUP BY u.locale ORDER BY count(*) DESC, u.locale ${limitClause(q.limit)}`,
        languageName,
      ),
  },
  // the apps the period's new users signed up with: Subspace does not record it, so each counts as the website
  sources: {
    perform: async (q) => {
      const [row] = await queryRows<{ value: string }>(q.ctx.db, sql`SELECT count(*)::text AS value FROM users u WHERE ${inPeriod(sql`u.created_at`, q.period)}`);
      return Number(row?.value ?? 0) > 0 && q.limit !== 0 ? [{ key: 'web', human_key: 'Website', value: String(row!.value) }] : [];
    },
  },
  // the servers the period's statuses came from (this one under its own domain)
  servers: {
    perform: (q) =>
      counted(
        q,
        sql`SELECT coalesce(lower(a.domain), ${q.ctx.config.localDomain}) AS name, count(*)::text AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
             WHERE ${idsFrom(q.period)} AND ${inPeriod(sql`s.created_at`, q.period)} AND s.deleted_at IS NULL
             GROUP BY 1 ORDER BY count(*) DESC, 1 ${limitClause(q.limit)}`,
      ),
  },
  space_usage: {
    perform: async (q) => {
      const [database] = await queryRows<{ size: string }>(q.ctx.db, sql`SELECT pg_database_size(current_database())::text AS size`);
      const [media] = await queryRows<{ size: string }>(
        q.ctx.db,
        sql`SELECT ((SELECT coalesce(sum(file_size), 0) FROM media_attachments) + (SELECT coalesce(sum(image_file_size), 0) FROM preview_cards))::text AS size`,
      );
      const items = [bytes('postgresql', 'PostgreSQL', Number(database?.size ?? 0))];
      const redis = await q.ctx.cache.serverInfo?.();
      if (redis) items.push(bytes('redis', 'Redis', redis.usedMemory));
      items.push(bytes('media', 'Media storage', Number(media?.size ?? 0)));
      return items;
    },
  },
  software_versions: {
    perform: async (q) => {
      const [database] = await queryRows<{ version: string }>(q.ctx.db, sql`SELECT version() AS version`);
      const postgresql = /^(?:PostgreSQL )?(\S+)/.exec(database?.version ?? '')?.[1] ?? '';
      const items = [version('mastodon', 'Subspace', SUBSPACE_VERSION), version('node', 'Node.js', process.versions.node), version('postgresql', 'PostgreSQL', postgresql)];
      const redis = await q.ctx.cache.serverInfo?.();
      if (redis) items.push(version('redis', 'Redis', redis.version));
      return items;
    },
  },
  tag_servers: {
    param: 'id',
    perform: (q) =>
      counted(
        q,
        sql`SELECT coalesce(lower(a.domain), ${q.ctx.config.localDomain}) AS name, count(*)::text AS value
              FROM statuses_tags st JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = s.account_id
             WHERE st.tag_id = ${q.tagId} AND ${idsFrom(q.period)} AND ${inPeriod(sql`s.created_at`, q.period)} AND s.deleted_at IS NULL
             GROUP BY 1 ORDER BY count(*) DESC, 1 ${limitClause(q.limit)}`,
      ),
  },
  tag_languages: {
    param: 'id',
    perform: (q) =>
      counted(
        q,
        sql`SELECT s.language AS name, count(*)::text AS value FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
             WHERE st.tag_id = ${q.tagId} AND s.language IS NOT NULL AND ${idsFrom(q.period)} AND ${inPeriod(sql`s.created_at`, q.period)} AND s.deleted_at IS NULL
             GROUP BY 1 ORDER BY count(*) DESC, 1 ${limitClause(q.limit)}`,
        languageName,
      ),
  },
  // the server's most followed accounts, by their followers here
  instance_accounts: {
    param: 'domain',
    perform: (q) =>
      counted(
        q,
        sql`SELECT a.username AS name, count(f.id)::text AS value FROM accounts a LEFT JOIN follows f ON f.target_account_id = a.id
             WHERE lower(a.domain) = ${q.domain} GROUP BY a.id, a.username ORDER BY count(f.id) DESC, a.username ${limitClause(q.limit)}`,
      ),
  },
  instance_languages: {
    param: 'domain',
    perform: (q) =>
      counted(
        q,
        sql`SELECT s.language AS name, count(*)::text AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
             WHERE lower(a.domain) = ${q.domain} AND s.language IS NOT NULL AND ${idsFrom(q.period)} AND ${inPeriod(sql`s.created_at`, q.period)} AND s.deleted_at IS NULL
             GROUP BY 1 ORDER BY count(*) DESC, 1 ${limitClause(q.limit)}`,
        languageName,
      ),
  },
};

export const DIMENSION_KEYS = Object.keys(DIMENSIONS);

/** Admin::Metrics::Dimension.retrieve: the known keys asked for, in order; a dimension about a hashtag or server without its parameter is a 400. */
export async function retrieveDimensions(ctx: AppContext, keys: string[], period: DashboardPeriod | undefined, limit: number | null, input: Record<string, unknown>): Promise<Dimension[]> {
  const known = keys.filter((key) => Object.hasOwn(DIMENSIONS, key));
  const queries = known.map((key): DimensionQuery => {
    const spec = DIMENSIONS[key]!;
    if (!spec.param) return { ctx, period, limit };
    const nested = input[key];
    const value = nested && typeof nested === 'object' ? (nested as Record<string, unknown>)[spec.param] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw new ApiError(400, `param is missing or the value is empty: ${key}`);
    return spec.param === 'id' ? { ctx, period, limit, tagId: rowId(String(value)) ?? '0' } : { ctx, period, limit, domain: String(value).trim().toLowerCase() };
  });
  const dimensions: Dimension[] = [];
  for (const [i, key] of known.entries()) dimensions.push({ key, data: await DIMENSIONS[key]!.perform(queries[i]!) });
  return dimensions;
}
