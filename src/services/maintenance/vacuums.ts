import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { activeUser } from '../feeds/fan-out.ts';
import { clearFeeds } from '../feeds/feed-maintenance.ts';
import { removePreviewCardImage, stalePreviewCardsAfter } from './preview-card-images.ts';
import { removeStatuses, unreferencedStatusesAfter } from './unreferenced-statuses.ts';

/*
 * The parts of Mastodon's Scheduler::VacuumScheduler that are not about media attachments or
 * tokens (media-vacuum.ts, ip-retention.ts): each walks its rows in batches, so that a big backlog
 * is worked through without one long transaction, and resolves how many rows it changed.
 */

const BATCH = 500;
const DAY_MS = 86_400_000;

/**
 * Vacuum::StatusesVacuum: with CONTENT_CACHE_RETENTION_PERIOD, other servers' statuses older than
 * that many days are deleted, unless a member here did something with one (favourite, bookmark,
 * reblog, reply, pin, was mentioned, reported it); their notifications go with them.
 */
export async function vacuumStatuses(ctx: AppContext, now = new Date()): Promise<number> {
  const days = ctx.config.contentCacheRetentionDays;
  if (!days) return 0;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  let removed = 0;
  let afterId: string | undefined;
  for (;;) {
    const batch = await unreferencedStatusesAfter(ctx, cutoff, afterId, BATCH, { keepFollowed: false });
    if (batch.length === 0) return removed;
    removed += await removeStatuses(ctx, batch);
    afterId = batch.at(-1)!.id;
  }
}

/** Vacuum::PreviewCardsVacuum: with MEDIA_CACHE_RETENTION_PERIOD, the thumbnails of preview cards fetched longer ago go (the cards stay). */
export async function vacuumPreviewCardImages(ctx: AppContext, now = new Date()): Promise<number> {
  const days = ctx.config.mediaCacheRetentionDays;
  if (!days) return 0;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  let removed = 0;
  let afterId: string | undefined;
  for (;;) {
    const batch = await stalePreviewCardsAfter(ctx, cutoff, false, afterId, BATCH);
    if (batch.length === 0) return removed;
    for (const card of batch) if (await removePreviewCardImage(ctx, card.id)) removed += 1;
    afterId = batch.at(-1)!.id;
  }
}

/**
 * Vacuum::FeedsVacuum: the home and list feeds of confirmed members who have not been active for
 * USER_ACTIVE_DAYS are dropped (they get no fan-out meanwhile; the home feed is rebuilt when they
 * come back).
 */
export async function vacuumInactiveFeeds(ctx: AppContext): Promise<number> {
  let cleared = 0;
  let afterId = '0';
  for (;;) {
    const rows = await queryRows<{ account_id: string | number }>(
      ctx.db,
      sql`SELECT u.account_id FROM users u WHERE u.confirmed_at IS NOT NULL AND NOT ${activeUser(ctx)} AND u.account_id > ${afterId}
          ORDER BY u.account_id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return cleared;
    for (const row of rows) await clearFeeds(ctx, String(row.account_id));
    cleared += rows.length;
    afterId = String(rows.at(-1)!.account_id);
  }
}

/**
 * Vacuum::ApplicationsVacuum: applications registered more than a day ago that no one owns and that
 * never got a token or an authorization code (abandoned client registrations) are deleted.
 */
export async function vacuumAbandonedApplications(ctx: AppContext, now = new Date()): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`DELETE FROM oauth_applications a WHERE a.owner_account_id IS NULL AND a.created_at < ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.application_id = a.id)
        AND NOT EXISTS (SELECT 1 FROM oauth_access_grants g WHERE g.application_id = a.id)
        RETURNING a.id`,
  );
  return rows.length;
}
