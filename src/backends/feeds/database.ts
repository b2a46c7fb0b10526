import { and, asc, desc, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../../db/index.ts';
import { literalLimit, preparedVariants } from '../../db/prepared.ts';
import { feedEntries } from '../../db/schema.ts';
import { MAX_ITEMS, REBLOG_FALLOFF, type FeedEntry, type FeedKey, type FeedPage, type Feeds } from './index.ts';

const BATCH = 1000;
/** feeds per statement of a fan-out: one array parameter each, so the size costs no SQL text */
const FAN_OUT_BATCH = 20_000;
/**
 * Finding a feed's MAX_ITEMS-th entry reads hundreds of rows, too much for each of 10,000 feeds on
 * every post: feed_sizes counts the entries, and a fan-out to more than EXACT_TRIM_FEEDS feeds trims
 * a feed once it holds SLACK more than MAX_ITEMS (until then, paging far back may show up to SLACK
 * older entries). Fewer feeds are trimmed at MAX_ITEMS exactly.
 */
const EXACT_TRIM_FEEDS = 16;
const SLACK = MAX_ITEMS / 4;

/** A text[] as one parameter (a Postgres array literal), not one parameter per element. */
const textArray = (values: string[]): SQL => sql`${`{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`}::text[]`;

/** The embedded feeds: rows of the feed_entries table (feed, status id, reblogged status id). */
/** A page of a feed, built once per shape (which bounds it has, its size): the home timeline's first read. */
const feedPageQuery = preparedVariants('feed_page', (db, variant) => {
  const [max, since, min, limit] = variant.split(':');
  const conditions = [sql`${feedEntries.feed} = ${sql.placeholder('feed')}`];
  if (max) conditions.push(sql`${feedEntries.statusId} < ${sql.placeholder('maxId')}`);
  if (since) conditions.push(sql`${feedEntries.statusId} > ${sql.placeholder('sinceId')}`);
  if (min) conditions.push(sql`${feedEntries.statusId} > ${sql.placeholder('minId')}`);
  return db
    .select({ id: feedEntries.statusId })
    .from(feedEntries)
    .where(and(...conditions))
    .orderBy(min ? asc(feedEntries.statusId) : desc(feedEntries.statusId))
    .limit(literalLimit(Number(limit)));
});

export class DatabaseFeeds implements Feeds {
  #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async push(feed: FeedKey, statusId: string, reblogOfId: string | null): Promise<boolean> {
    return (await this.pushToMany([feed], statusId, reblogOfId)).length > 0;
  }

  async pushToMany(feeds: FeedKey[], statusId: string, reblogOfId: string | null): Promise<FeedKey[]> {
    const inserted: FeedKey[] = [];
    const unique = [...new Set(feeds)];
    // a few feeds are trimmed to MAX_ITEMS exactly; a fan-out lets each feed grow by SLACK first
    const limit = unique.length <= EXACT_TRIM_FEEDS ? MAX_ITEMS : MAX_ITEMS + SLACK;
    for (let i = 0; i < unique.length; i += FAN_OUT_BATCH) {
      const batch = unique.slice(i, i + FAN_OUT_BATCH);
      // A reblog stays out while its original or another reblog of it is among the newest
      // REBLOG_FALLOFF entries; an original stays out while a reblog of it is there.
      const near = reblogOfId ? sql`(e.status_id = ${reblogOfId}::bigint OR e.reblog_of_id = ${reblogOfId}::bigint)` : sql`e.reblog_of_id = ${statusId}::bigint`;
      // the feeds it went into, with their new sizes
      const rows = await queryRows<{ feed: string; entries: number }>(
        this.#db,
        sql`WITH inserted AS (
              INSERT INTO feed_entries (feed, status_id, reblog_of_id)
              SELECT t.feed, ${statusId}::bigint, ${reblogOfId}::bigint
              FROM unnest(${textArray(batch)}) AS t(feed)
              WHERE NOT EXISTS (
                SELECT 1 FROM feed_entries e
                WHERE e.feed = t.feed AND ${near}
                  AND e.status_id >= COALESCE((SELECT n.status_id FROM feed_entries n WHERE n.feed = t.feed
                                               ORDER BY n.feed DESC, n.status_id DESC OFFSET ${REBLOG_FALLOFF - 1} LIMIT 1), 0))
              ON CONFLICT DO NOTHING
              RETURNING feed)
            INSERT INTO feed_sizes (feed, entries) SELECT feed, 1 FROM inserted
            ON CONFLICT (feed) DO UPDATE SET entries = feed_sizes.entries + 1
            RETURNING feed, entries`,
      );
      const done = rows.map((row) => row.feed);
      await this.#trim(rows.filter((row) => Number(row.entries) > limit).map((row) => row.feed));
      inserted.push(...done);
    }
    return inserted;
  }

  /** Trims feeds to their MAX_ITEMS newest entries and records their true sizes. */
  async #trim(feeds: FeedKey[]): Promise<void> {
    if (feeds.length === 0) return;
    await this.#db.execute(sql`DELETE FROM feed_entries d
      USING (SELECT t.feed, (SELECT n.status_id FROM feed_entries n WHERE n.feed = t.feed
                             ORDER BY n.feed DESC, n.status_id DESC OFFSET ${MAX_ITEMS - 1} LIMIT 1) AS cutoff
             FROM unnest(${textArray(feeds)}) AS t(feed)) c
      WHERE d.feed = c.feed AND c.cutoff IS NOT NULL AND d.status_id < c.cutoff`);
    await this.#recount(feeds);
  }

  async #recount(feeds: FeedKey[]): Promise<void> {
    await this.#db.execute(sql`INSERT INTO feed_sizes (feed, entries)
      SELECT t.feed, (SELECT count(*) FROM feed_entries e WHERE e.feed = t.feed) FROM unnest(${textArray(feeds)}) AS t(feed)
      ON CONFLICT (feed) DO UPDATE SET entries = excluded.entries`);
  }

  async pushMany(feed: FeedKey, entries: FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // de-duplicate reblogs among the new entries here; the insert checks them against the feed
    const sorted = [...entries].sort((x, y) => (BigInt(x.statusId) < BigInt(y.statusId) ? -1 : 1));
    const lastSeen = new Map<string, number>();
    const kept: FeedEntry[] = [];
    for (const entry of sorted) {
      const original = entry.reblogOfId ?? entry.statusId;
      const seen = lastSeen.get(original);
      if (entry.reblogOfId && seen !== undefined && kept.length - seen <= REBLOG_FALLOFF) continue;
      if (!entry.reblogOfId && seen !== undefined && kept.length - seen <= REBLOG_FALLOFF) continue;
      lastSeen.set(original, kept.length);
      kept.push(entry);
    }
    for (let i = 0; i < kept.length; i += BATCH) {
      const rows = sql.join(
        kept.slice(i, i + BATCH).map((entry) => sql`(${entry.statusId}::bigint, ${entry.reblogOfId}::bigint)`),
        sql`, `,
      );
      await this.#db.execute(sql`INSERT INTO feed_entries (feed, status_id, reblog_of_id)
        SELECT ${feed}, v.status_id, v.reblog_of_id FROM (VALUES ${rows}) AS v(status_id, reblog_of_id)
        WHERE NOT EXISTS (
          SELECT 1 FROM feed_entries e
          WHERE e.feed = ${feed} AND e.status_id <> v.status_id
            AND (e.reblog_of_id = COALESCE(v.reblog_of_id, v.status_id) OR (v.reblog_of_id IS NOT NULL AND e.status_id = v.reblog_of_id))
            AND e.status_id >= COALESCE((SELECT n.status_id FROM feed_entries n WHERE n.feed = ${feed}
                                         ORDER BY n.status_id DESC OFFSET ${REBLOG_FALLOFF - 1} LIMIT 1), 0))
        ON CONFLICT DO NOTHING`);
    }
    await this.#trim([feed]);
  }

  async remove(feed: FeedKey, entries: FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = sql.join(
      entries.map((entry) => sql`${entry.statusId}::bigint`),
      sql`, `,
    );
    await this.#db.execute(sql`DELETE FROM feed_entries WHERE feed = ${feed} AND status_id IN (${ids})`);
    await this.#recount([feed]);
  }

  async removeEverywhere(entry: FeedEntry, _candidates: FeedKey[]): Promise<void> {
    await this.#db.execute(sql`WITH removed AS (
        DELETE FROM feed_entries WHERE status_id = ${entry.statusId}::bigint OR reblog_of_id = ${entry.statusId}::bigint RETURNING feed)
      UPDATE feed_sizes SET entries = feed_sizes.entries - r.count
      FROM (SELECT feed, count(*)::int AS count FROM removed GROUP BY feed) r WHERE feed_sizes.feed = r.feed`);
  }

  async page(feed: FeedKey, page: FeedPage): Promise<string[]> {
    const variant = `${page.maxId ? 'max' : ''}:${page.sinceId ? 'since' : ''}:${page.minId ? 'min' : ''}:${page.limit}`;
    const rows = await feedPageQuery(this.#db, variant).execute({ feed, maxId: page.maxId, sinceId: page.sinceId, minId: page.minId });
    const ids = rows.map((row) => row.id);
    return page.minId ? ids.reverse() : ids;
  }

  async ids(feed: FeedKey): Promise<string[]> {
    const rows = await queryRows<{ id: string | number }>(this.#db, sql`SELECT status_id::text AS id FROM feed_entries WHERE feed = ${feed} ORDER BY status_id DESC`);
    return rows.map((row) => String(row.id));
  }

  async exists(feed: FeedKey): Promise<boolean> {
    const rows = await queryRows(this.#db, sql`SELECT 1 FROM feed_entries WHERE feed = ${feed} LIMIT 1`);
    return rows.length > 0;
  }

  async clear(feed: FeedKey): Promise<void> {
    await this.#db.execute(sql`DELETE FROM feed_entries WHERE feed = ${feed}`);
    await this.#db.execute(sql`DELETE FROM feed_sizes WHERE feed = ${feed}`);
  }

  async close(): Promise<void> {}
}
