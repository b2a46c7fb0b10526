import { and, asc, desc, eq, isNull, lte, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { announcementMutes, announcementReactions, announcements, customEmojis } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { PublishAnnouncementReaction, PublishScheduledAnnouncement, UnpublishAnnouncement } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { AnnouncementRow } from '../../db/schema.ts';

export type { AnnouncementRow };

/*
 * Announcements (Mastodon's Announcement, AnnouncementMute and AnnouncementReaction): the admins
 * write them with the CLI, members read, dismiss and react to them. Whatever the streaming tier
 * must hear about is handed to a `default` job, so no request fans out to every member.
 */

export interface NewAnnouncement {
  text: string;
  startsAt?: Date | null;
  endsAt?: Date | null;
  allDay?: boolean;
  /** in the future: stays unpublished until then */
  scheduledAt?: Date | null;
}

/** Mastodon's ReactionValidator::LIMIT: distinct reactions per announcement. */
export const REACTION_LIMIT = 8;

/** A scheduled publication may run this early (clock drift between processes). */
const EARLY_SLACK_MS = 5_000;

/** Why an announcement cannot be saved, as Rails words it; empty when it can. */
export function announcementProblems(input: NewAnnouncement): string[] {
  const problems: string[] = [];
  if (!input.text.trim()) problems.push("Text can't be blank");
  if (input.endsAt && !input.startsAt) problems.push("Starts at can't be blank");
  if (input.startsAt && !input.endsAt) problems.push("Ends at can't be blank");
  if (input.startsAt && input.endsAt && input.endsAt < input.startsAt) problems.push('Ends at must be after the start');
  return problems;
}

/** Creates an announcement, published now unless scheduled for later (then a delayed job publishes it). */
export async function createAnnouncement(ctx: AppContext, input: NewAnnouncement): Promise<AnnouncementRow> {
  const problems = announcementProblems(input);
  if (problems.length > 0) throw validationFailed(problems);
  const now = new Date();
  const later = !!input.scheduledAt && input.scheduledAt > now;
  const [row] = await ctx.db
    .insert(announcements)
    .values({
      text: input.text,
      startsAt: input.startsAt ?? null,
      endsAt: input.endsAt ?? null,
      allDay: !!input.allDay,
      scheduledAt: input.scheduledAt ?? null,
      published: !later,
      publishedAt: later ? null : now,
    })
    .returning();
  const delayMs = later ? input.scheduledAt!.getTime() - now.getTime() : 0;
  await enqueue(ctx, PublishScheduledAnnouncement, { announcementId: row!.id }, { delayMs });
  return row!;
}

export async function findAnnouncement(ctx: AppContext, id: string): Promise<AnnouncementRow | undefined> {
  const [row] = await ctx.db.select().from(announcements).where(eq(announcements.id, id)).limit(1);
  return row;
}

/** Mastodon's chronological order: by start, else schedule, else publication, else creation. */
const chronology = sql`coalesce(${announcements.startsAt}, ${announcements.scheduledAt}, ${announcements.publishedAt}, ${announcements.createdAt})`;

/** Every announcement, newest first (the admin's list). */
export async function allAnnouncements(ctx: AppContext): Promise<AnnouncementRow[]> {
  return ctx.db.select().from(announcements).orderBy(desc(chronology), desc(announcements.id));
}

/** The published announcements a member sees, oldest first; dismissed ones only when asked for. */
export async function publishedAnnouncements(ctx: AppContext, accountId: string, options: { withDismissed: boolean }): Promise<AnnouncementRow[]> {
  const undismissed = sql`NOT EXISTS (SELECT 1 FROM ${announcementMutes} m WHERE m.announcement_id = ${announcements.id} AND m.account_id = ${accountId})`;
  return ctx.db
    .select()
    .from(announcements)
    .where(and(eq(announcements.published, true), options.withDismissed ? undefined : undismissed))
    .orderBy(asc(chronology), asc(announcements.id));
}

export interface AnnouncementChange {
  announcement: AnnouncementRow;
  /** false when it already was in the requested state */
  changed: boolean;
}

/** Publishes now (cancelling a schedule); undefined when there is no such announcement. */
export async function publishAnnouncement(ctx: AppContext, id: string): Promise<AnnouncementChange | undefined> {
  const result = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(announcements).where(eq(announcements.id, id)).for('update');
    if (!row) return undefined;
    if (row.published) return { announcement: row, changed: false };
    const now = new Date();
    const [updated] = await tx.update(announcements).set({ published: true, publishedAt: now, scheduledAt: null, updatedAt: now }).where(eq(announcements.id, id)).returning();
    return { announcement: updated!, changed: true };
  });
  if (result?.changed) await enqueue(ctx, PublishScheduledAnnouncement, { announcementId: id });
  return result;
}

/** Takes an announcement down, or cancels its schedule; members' clients are told to drop it. */
export async function unpublishAnnouncement(ctx: AppContext, id: string): Promise<AnnouncementChange | undefined> {
  const result = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(announcements).where(eq(announcements.id, id)).for('update');
    if (!row) return undefined;
    if (!row.published && !row.scheduledAt) return { announcement: row, changed: false, wasPublished: false };
    const [updated] = await tx.update(announcements).set({ published: false, scheduledAt: null, updatedAt: new Date() }).where(eq(announcements.id, id)).returning();
    return { announcement: updated!, changed: true, wasPublished: row.published };
  });
  if (!result) return undefined;
  if (result.wasPublished) await enqueue(ctx, UnpublishAnnouncement, { announcementId: id });
  return { announcement: result.announcement, changed: result.changed };
}

/** Deletes an announcement with its dismissals and reactions; false when there was none. */
export async function deleteAnnouncement(ctx: AppContext, id: string): Promise<boolean> {
  const [deleted] = await ctx.db.delete(announcements).where(eq(announcements.id, id)).returning({ published: announcements.published });
  if (!deleted) return false;
  if (deleted.published) await enqueue(ctx, UnpublishAnnouncement, { announcementId: id });
  return true;
}

/** A published announcement, or the API's 404. */
async function publishedOr404(ctx: AppContext, id: string): Promise<AnnouncementRow> {
  const [row] = await ctx.db
    .select()
    .from(announcements)
    .where(and(eq(announcements.id, id), eq(announcements.published, true)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

/** Marks a published announcement read for this member (idempotent). */
export async function dismissAnnouncement(ctx: AppContext, accountId: string, announcementId: string): Promise<void> {
  await publishedOr404(ctx, announcementId);
  await ctx.db.insert(announcementMutes).values({ accountId, announcementId }).onConflictDoNothing();
}

const RGI_EMOJI = /^\p{RGI_Emoji}$/v;

/** A single emoji, also without its variation selector (`❤` for `❤️`), as Mastodon's emoji map accepts. */
export function isUnicodeEmoji(name: string): boolean {
  return RGI_EMOJI.test(name) || RGI_EMOJI.test(`${name}\uFE0F`);
}

/**
 * Adds this member's reaction (a unicode emoji or a local custom emoji's shortcode). The row lock
 * on the announcement keeps two new names from slipping past the limit together. Reacting twice
 * with the same name changes nothing.
 */
export async function addReaction(ctx: AppContext, accountId: string, announcementId: string, name: string): Promise<void> {
  const added = await ctx.db.transaction(async (tx) => {
    const [announcement] = await tx
      .select({ id: announcements.id })
      .from(announcements)
      .where(and(eq(announcements.id, announcementId), eq(announcements.published, true)))
      .for('update');
    if (!announcement) throw notFound();
    if (!name.trim()) throw validationFailed(["Name can't be blank"]);
    const [emoji] = await tx
      .select({ id: customEmojis.id })
      .from(customEmojis)
      .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false), eq(customEmojis.shortcode, name)))
      .limit(1);
    if (!emoji && !isUnicodeEmoji(name)) throw validationFailed(['Name is not a recognized emoji']);
    const names = await tx.selectDistinct({ name: announcementReactions.name }).from(announcementReactions).where(eq(announcementReactions.announcementId, announcementId));
    if (!names.some((row) => row.name === name) && names.length >= REACTION_LIMIT) throw validationFailed(['Limit of different reactions reached']);
    const [inserted] = await tx
      .insert(announcementReactions)
      .values({ accountId, announcementId, name, customEmojiId: emoji?.id ?? null })
      .onConflictDoNothing()
      .returning({ id: announcementReactions.id });
    return !!inserted;
  });
  if (added) await enqueue(ctx, PublishAnnouncementReaction, { announcementId, name });
}

/** Removes this member's reaction; a 404 when they had none by that name. */
export async function removeReaction(ctx: AppContext, accountId: string, announcementId: string, name: string): Promise<void> {
  await publishedOr404(ctx, announcementId);
  const [removed] = await ctx.db
    .delete(announcementReactions)
    .where(and(eq(announcementReactions.accountId, accountId), eq(announcementReactions.announcementId, announcementId), eq(announcementReactions.name, name)))
    .returning({ id: announcementReactions.id });
  if (!removed) throw notFound();
  await enqueue(ctx, PublishAnnouncementReaction, { announcementId, name });
}

/**
 * Publishes a scheduled announcement once it is due (a job may run a little early). Returns the
 * announcement if it is published now, whether by this call or before.
 */
export async function publishIfDue(ctx: AppContext, id: string): Promise<AnnouncementRow | undefined> {
  const now = new Date();
  const due = new Date(now.getTime() + EARLY_SLACK_MS);
  await ctx.db
    .update(announcements)
    .set({ published: true, publishedAt: now, scheduledAt: null, updatedAt: now })
    .where(and(eq(announcements.id, id), eq(announcements.published, false), lte(announcements.scheduledAt, due)));
  const row = await findAnnouncement(ctx, id);
  return row?.published ? row : undefined;
}
