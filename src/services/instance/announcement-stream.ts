import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { announcementReactions, customEmojis } from '../../db/schema.ts';
import { renderAnnouncement, renderReaction } from '../../presenters/announcements.ts';
import { channels, listenedChannels, publishToStream, type StreamEventName } from '../../streaming/channels.ts';
import { findAnnouncement, publishIfDue } from './announcements.ts';
import { activeUser } from '../feeds/fan-out.ts';

/*
 * What the announcement jobs tell the streaming tier. Announcements concern every member, so an
 * event goes to the home channel of each active local member someone is listening to (Mastodon's
 * FeedManager#with_active_accounts with its `subscribed:` check).
 */

const BATCH = 1000;

/** Publishes one event (payload already JSON, or a bare id) to every listened home channel of an active member. */
async function streamToActiveMembers(ctx: AppContext, event: StreamEventName, payload: string): Promise<void> {
  let after = '0';
  for (;;) {
    const rows = await queryRows<{ id: string }>(
      ctx.db,
      sql`SELECT a.id::text AS id FROM accounts a JOIN users u ON u.account_id = a.id
           WHERE a.domain IS NULL AND a.suspended_at IS NULL AND a.id > ${after}::bigint AND ${activeUser(ctx)}
           ORDER BY a.id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return;
    const listened = await listenedChannels(
      ctx,
      rows.map((row) => channels.home(row.id)),
    );
    await Promise.all(listened.map((channel) => publishToStream(ctx, channel, event, payload)));
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** PublishScheduledAnnouncementWorker: publishes a due announcement and streams it, rendered for nobody. */
export async function streamPublishedAnnouncement(ctx: AppContext, announcementId: string): Promise<void> {
  const announcement = await publishIfDue(ctx, announcementId);
  if (!announcement) return;
  const rendered = await renderAnnouncement(ctx, announcement, null);
  await streamToActiveMembers(ctx, 'announcement', JSON.stringify(rendered));
}

/** PublishAnnouncementReactionWorker: a reaction's count now (0 when the last one was taken back). */
export async function streamAnnouncementReaction(ctx: AppContext, announcementId: string, name: string): Promise<void> {
  const announcement = await findAnnouncement(ctx, announcementId);
  if (!announcement?.published) return;
  const [row] = await ctx.db
    .select({ count: sql<number>`count(*)::int`, customEmojiId: sql<string | null>`max(${announcementReactions.customEmojiId})::text` })
    .from(announcementReactions)
    .where(and(eq(announcementReactions.announcementId, announcementId), eq(announcementReactions.name, name)));
  const [emoji] = row?.customEmojiId ? await ctx.db.select().from(customEmojis).where(eq(customEmojis.id, row.customEmojiId)) : [];
  const rendered = renderReaction(ctx, { name, count: Number(row?.count ?? 0) }, emoji);
  await streamToActiveMembers(ctx, 'announcement.reaction', JSON.stringify({ ...rendered, announcement_id: announcementId }));
}

/** UnpublishAnnouncementWorker: clients drop the announcement, unless it was published again since. */
export async function streamWithdrawnAnnouncement(ctx: AppContext, announcementId: string): Promise<void> {
  const announcement = await findAnnouncement(ctx, announcementId);
  if (announcement?.published) return;
  await streamToActiveMembers(ctx, 'announcement.delete', announcementId);
}
