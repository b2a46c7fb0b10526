/**
 * The data bench/targets.ts measures on, written with bulk SQL before any server process starts
 * (embedded PGlite admits one process at a time):
 *
 *  - `tb0`, followed by `--followers` members `tbf1…` (the post timed through fan-out);
 *  - viewers `tv1…tv10`, each following the 200 authors `ta1…ta200` and followed by them;
 *  - 6 statuses per author (1,200), mixed as on a real home: a fifth with one or two images, one in
 *    seven with a poll, a quarter mentioning a viewer, a sixth with a hashtag, and 200 reblogs;
 *    the viewers' home feeds hold the newest MAX_ITEMS of them;
 *  - the remote senders' actors (inbound Creates), followed by tv1;
 *  - a token per member: `${prefix}${username}` (stored as its SHA-256 digest).
 */
import { sql } from 'drizzle-orm';
import { homeFeed } from '../../src/backends/feeds/index.ts';
import { DatabaseFeeds } from '../../src/backends/feeds/database.ts';
import { RedisFeeds } from '../../src/backends/feeds/redis.ts';
import { createRedis } from '../../src/backends/redis.ts';
import { baseUrl, type Config } from '../../src/config/index.ts';
import { openDatabase, queryRows } from '../../src/db/index.ts';

export const VIEWERS = 10;
export const AUTHORS = 200;
export const STATUSES_EACH = 6;

export interface RemoteActor {
  actorId: string;
  host: string;
  keyId: string;
  inbox?: string;
  sharedInbox?: string;
  publicKeyPem?: string;
}

export async function seedTargets(config: Config, options: { followers: number; tokenPrefix: string; remotes: RemoteActor[] }): Promise<void> {
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const db = database.db;
    const [existing] = await queryRows<{ count: string | number }>(db, sql`SELECT count(*) AS count FROM accounts`);
    if (Number(existing?.count ?? 0) > 0) throw new Error('the database already has accounts: give the bench an empty one');
    const base = baseUrl(config);
    const { followers, tokenPrefix } = options;
    await db.execute(sql`
      INSERT INTO accounts (username, uri, url)
      SELECT name, ${base} || '/users/' || name, ${base} || '/@' || name
      FROM (SELECT 'tb0' AS name
            UNION ALL SELECT 'tv' || g FROM generate_series(1, ${VIEWERS}) g
            UNION ALL SELECT 'ta' || g FROM generate_series(1, ${AUTHORS}) g
            UNION ALL SELECT 'tbf' || g FROM generate_series(1, ${followers}) g) n`);
    await db.execute(sql`
      INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at)
      SELECT id, username || '@bench.test', now(), now() FROM accounts WHERE domain IS NULL`);
    await db.execute(sql`
      INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
      SELECT encode(sha256(convert_to(${tokenPrefix} || a.username, 'UTF8')), 'hex'), u.id, 'read write follow'
      FROM users u JOIN accounts a ON a.id = u.account_id`);
    for (const remote of options.remotes) {
      await db.execute(sql`
        INSERT INTO accounts (username, domain, uri, url, inbox_url, shared_inbox_url, public_key_pem, protocol, actor_type, last_webfingered_at)
        VALUES ('bob', ${remote.host}, ${remote.actorId}, ${remote.actorId}, ${remote.inbox ?? null}, ${remote.sharedInbox ?? null},
                ${remote.publicKeyPem ?? ''}, 'activitypub', 'Person', now())`);
    }
    // follows: the celebrity's followers; viewers ⇄ authors; tv1 → every remote sender
    await db.execute(sql`
      INSERT INTO follows (account_id, target_account_id)
      SELECT f.id, c.id FROM accounts f, accounts c WHERE f.username LIKE 'tbf%' AND c.username = 'tb0'`);
    await db.execute(sql`
      INSERT INTO follows (account_id, target_account_id)
      SELECT v.id, a.id FROM accounts v, accounts a WHERE v.username ~ '^tv[0-9]+$' AND a.username ~ '^ta[0-9]+$'
      UNION ALL
      SELECT a.id, v.id FROM accounts v, accounts a WHERE v.username ~ '^tv[0-9]+$' AND a.username ~ '^ta[0-9]+$'
      UNION ALL
      SELECT v.id, r.id FROM accounts v, accounts r WHERE v.username = 'tv1' AND r.domain IS NOT NULL`);
    await db.execute(sql`
      UPDATE accounts SET following_count = (SELECT count(*) FROM follows WHERE account_id = accounts.id),
                          followers_count = (SELECT count(*) FROM follows WHERE target_account_id = accounts.id)`);

    await db.execute(sql`INSERT INTO tags (name) VALUES ('bench'), ('photography'), ('caturday')`);
    // statuses of the authors, the oldest first; their ids come from created_at order (timestamp_id)
    await db.execute(sql`
      INSERT INTO statuses (account_id, text, content, visibility, language, sensitive, spoiler_text, created_at)
      SELECT a.id,
             'Status ' || n || ' of ' || a.username,
             '<p>Status ' || n || ' of ' || a.username || CASE WHEN n % 3 = 0 THEN ', with a <a href="https://example.com/article">link</a>' ELSE '' END || '</p>',
             'public', 'en', n % 11 = 0, CASE WHEN n % 11 = 0 THEN 'spoiler' ELSE '' END,
             now() - ((${STATUSES_EACH} - n) * ${AUTHORS} + substr(a.username, 3)::int) * interval '1 minute'
      FROM accounts a CROSS JOIN generate_series(1, ${STATUSES_EACH}) n WHERE a.username ~ '^ta[0-9]+$'`);
    await db.execute(sql`
      UPDATE statuses SET uri = ${base} || '/users/' || a.username || '/statuses/' || statuses.id,
                          url = ${base} || '/@' || a.username || '/' || statuses.id
      FROM accounts a WHERE a.id = statuses.account_id AND statuses.uri IS NULL`);
    const numbered = sql`(SELECT s.id, s.account_id, row_number() OVER (ORDER BY s.id) AS n FROM statuses s WHERE s.reblog_of_id IS NULL)`;
    // a fifth with media (one or two images), one in seven with a poll, a quarter mentioning a viewer, a sixth tagged
    await db.execute(sql`
      INSERT INTO media_attachments (status_id, account_id, type, file_key, small_file_key, file_size, content_type, description, blurhash, meta, position)
      SELECT x.id, x.account_id, 'image', 'media_attachments/files/bench/' || x.n || '-' || p || '/original/photo.jpg',
             'media_attachments/files/bench/' || x.n || '-' || p || '/small/photo.jpg', 250000, 'image/jpeg', 'A photo', 'UEHLh[WB2yk8pyoJadR*.7kCMdnj',
             '{"original":{"width":1600,"height":1200,"size":"1600x1200","aspect":1.3333},"small":{"width":640,"height":480,"size":"640x480","aspect":1.3333}}'::jsonb, p
      FROM ${numbered} x CROSS JOIN generate_series(0, 1) p WHERE x.n % 5 = 0 AND (p = 0 OR x.n % 10 = 0)`);
    await db.execute(sql`
      WITH made AS (
        INSERT INTO polls (account_id, status_id, expires_at, options, cached_tallies, votes_count, voters_count)
        SELECT x.account_id, x.id, now() + interval '3 days', ARRAY['yes', 'no', 'maybe'], ARRAY[3, 2, 1], 6, 6
        FROM ${numbered} x WHERE x.n % 7 = 0 RETURNING id, status_id)
      UPDATE statuses SET poll_id = made.id FROM made WHERE statuses.id = made.status_id`);
    await db.execute(sql`
      INSERT INTO mentions (status_id, account_id)
      SELECT x.id, v.id FROM ${numbered} x JOIN accounts v ON v.username = 'tv' || (1 + x.n % ${VIEWERS}) WHERE x.n % 4 = 0`);
    await db.execute(sql`
      UPDATE statuses s SET content = replace(s.content, '</p>', ' <span class="h-card"><a href="' || v.url || '" class="u-url mention">@<span>' || v.username || '</span></a></span></p>')
      FROM mentions m JOIN accounts v ON v.id = m.account_id WHERE m.status_id = s.id`);
    await db.execute(sql`
      INSERT INTO statuses_tags (status_id, tag_id)
      SELECT x.id, t.id FROM ${numbered} x JOIN tags t ON t.name = (ARRAY['bench', 'photography', 'caturday'])[1 + x.n % 3] WHERE x.n % 6 = 0`);
    await db.execute(sql`
      UPDATE statuses s SET content = replace(s.content, '</p>', ' <a href="${sql.raw(base)}/tags/' || t.name || '" class="mention hashtag" rel="tag">#<span>' || t.name || '</span></a></p>')
      FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id`);
    // 200 reblogs: each author reblogs a status of the next author
    await db.execute(sql`
      INSERT INTO statuses (account_id, reblog_of_id, visibility, created_at)
      SELECT a.id, o.id, 'public', now() - (substr(a.username, 3)::int) * interval '1 second'
      FROM accounts a JOIN accounts b ON b.username = 'ta' || (1 + substr(a.username, 3)::int % ${AUTHORS})
      JOIN LATERAL (SELECT id FROM statuses WHERE account_id = b.id AND reblog_of_id IS NULL ORDER BY id LIMIT 1) o ON true
      WHERE a.username ~ '^ta[0-9]+$'`);
    await db.execute(sql`
      UPDATE statuses SET uri = ${base} || '/users/' || a.username || '/statuses/' || statuses.id || '/activity'
      FROM accounts a WHERE a.id = statuses.account_id AND statuses.uri IS NULL`);
    await db.execute(sql`
      UPDATE statuses SET reblogs_count = (SELECT count(*) FROM statuses r WHERE r.reblog_of_id = statuses.id) WHERE reblog_of_id IS NULL`);
    await db.execute(sql`
      UPDATE accounts SET statuses_count = (SELECT count(*) FROM statuses WHERE account_id = accounts.id),
                          last_status_at = (SELECT max(created_at) FROM statuses WHERE account_id = accounts.id)
      WHERE username ~ '^ta[0-9]+$'`);

    // the viewers' home feeds
    const entries = (
      await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(
        db,
        sql`SELECT s.id, s.reblog_of_id FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.username ~ '^ta[0-9]+$' ORDER BY s.id`,
      )
    ).map((row) => ({ statusId: String(row.id), reblogOfId: row.reblog_of_id === null ? null : String(row.reblog_of_id) }));
    const viewerIds = (await queryRows<{ id: string | number }>(db, sql`SELECT id FROM accounts WHERE username ~ '^tv[0-9]+$'`)).map((row) => String(row.id));
    const feeds = config.redis ? new RedisFeeds(createRedis(config.redis.url, { name: 'subspace:bench-seed' })) : new DatabaseFeeds(db);
    try {
      for (const viewer of viewerIds) await feeds.pushMany(homeFeed(viewer), entries);
    } finally {
      if (config.redis) await feeds.close();
    }
    // statistics of the bulk-loaded tables, as a live instance has them: without, the planner
    // guesses until autovacuum gets round to them (a minute or more on a busy machine), and the
    // home statement's plan (a generic one kept by a named statement too) may be 100 times slower
    await db.execute(sql`ANALYZE`);
  } finally {
    await database.close();
  }
}
