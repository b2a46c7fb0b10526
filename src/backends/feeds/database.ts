import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../../db/index.ts';
import { MAX_ITEMS, REBLOG_FALLOFF, type FeedEntry, type FeedKey, type FeedPage, type Feeds } from './index.ts';

const BATCH = 1000;

const textArray = (values: string[]): SQL => sql`ARRAY[${sql.join(
  values.map((value) => sql`${value}`),
  sql`, `,
)}]::text[]`;

/** The embedded feeds: rows of the feed_entries table (feed, status id, reblogged status id). */
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
    for (let i = 0; i < unique.length; i += BATCH) {
      const batch = unique.slice(i, i + BATCH);
      // A reblog stays out while its original or another reblog of it is among the newest
      // REBLOG_FALLOFF entries; an original stays out while a reblog of it is there.
      const near = reblogOfId
        ? sql`(e.status_id = ${reblogOfId}::bigint OR e.reblog_of_id = ${reblogOfId}::bigint)`
        : sql`e.reblog_of_id = ${statusId}::bigint`;
      const rows = await queryRows<{ feed: string }>(
        this.#db,
        sql`INSERT INTO feed_entries (feed, status_id, reblog_of_id)
            SELECT t.feed, ${statusId}::bigint, ${reblogOfId}::bigint
            FROM unnest(${textArray(batch)}) AS t(feed)
            WHERE NOT EXISTS (
              SELECT 1 FROM feed_entries e
              WHERE e.feed = t.feed AND ${near}
                AND e.status_id >= COALESCE((SELECT n.status_id FROM feed_entries n WHERE n.feed = t.feed
                                             ORDER BY n.status_id DESC OFFSET ${REBLOG_FALLOFF - 1} LIMIT 1), 0))
            ON CONFLICT DO NOTHING
            RETURNING feed`,
      );
      const done = rows.map((row) => row.feed);
      if (done.length > 0) {
        await this.#db.execute(sql`DELETE FROM feed_entries d
          USING (SELECT t.feed, (SELECT n.status_id FROM feed_entries n WHERE n.feed = t.feed
                                 ORDER BY n.status_id DESC OFFSET ${MAX_ITEMS - 1} LIMIT 1) AS cutoff
                 FROM unnest(${textArray(done)}) AS t(feed)) c
          WHERE d.feed = c.feed AND c.cutoff IS NOT NULL AND d.status_id < c.cutoff`);
      }
      inserted.push(...done);
    }
    return inserted;
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
    await this.#db.execute(sql`DELETE FROM feed_entries WHERE feed = ${feed} AND status_id < (
      SELECT n.status_id FROM feed_entries n WHERE n.feed = ${feed} ORDER BY n.status_id DESC OFFSET ${MAX_ITEMS - 1} LIMIT 1)`);
  }

  async remove(feed: FeedKey, entries: FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = sql.join(
      entries.map((entry) => sql`${entry.statusId}::bigint`),
      sql`, `,
    );
    await this.#db.execute(sql`DELETE FROM feed_entries WHERE feed = ${feed} AND status_id IN (${ids})`);
  }

  async removeEverywhere(entry: FeedEntry, _candidates: FeedKey[]): Promise<void> {
    await this.#db.execute(sql`DELETE FROM feed_entries WHERE status_id = ${entry.statusId}::bigint OR reblog_of_id = ${entry.statusId}::bigint`);
  }

  async page(feed: FeedKey, page: FeedPage): Promise<string[]> {
    const conditions: SQL[] = [sql`feed = ${feed}`];
    if (page.maxId) conditions.push(sql`status_id < ${page.maxId}::bigint`);
    if (page.sinceId) conditions.push(sql`status_id > ${page.sinceId}::bigint`);
    if (page.minId) conditions.push(sql`status_id > ${page.minId}::bigint`);
    const order = page.minId ? sql`ASC` : sql`DESC`;
    const rows = await queryRows<{ id: string | number }>(
      this.#db,
      sql`SELECT status_id::text AS id FROM feed_entries WHERE ${sql.join(conditions, sql` AND `)} ORDER BY status_id ${order} LIMIT ${page.limit}`,
    );
    const ids = rows.map((row) => String(row.id));
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
  }

  async close(): Promise<void> {}
}
