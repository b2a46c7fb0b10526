import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, statuses } from '../db/schema.ts';
import { customEmojisInTexts, type CustomEmojiRow, type EmojifiableText } from '../services/emojis/custom-emojis.ts';
import { serializeCustomEmoji, type CustomEmojiEntity } from '../serializers/custom-emoji.ts';

interface EmojifiableStatus {
  id: string;
  /** the source text of a local status ('' for a remote one, whose HTML is its text) */
  text: string;
  content: string;
  spoilerText: string;
  /** the author's domain: a status shows the custom emoji of its own server (null for local ones) */
  domain: string | null;
  /** its poll's options, whose emoji are the status's too */
  pollOptions?: readonly string[];
}

export interface StatusEmojis {
  /** status id → the emoji of its text, warning and poll options (Mastodon's Status#emojis) */
  statuses: Map<string, CustomEmojiEntity[]>;
  /** status id → the emoji of its poll's options alone (Poll#emojis) */
  polls: Map<string, CustomEmojiEntity[]>;
}

function serialized(ctx: AppContext, found: Map<string, CustomEmojiRow[]>, key: string): CustomEmojiEntity[] | undefined {
  return found.get(key)?.map((emoji) => serializeCustomEmoji(ctx, emoji));
}

/** The custom emoji statuses and their polls use, in one query. */
export async function emojisOfStatuses(ctx: AppContext, rows: EmojifiableStatus[]): Promise<StatusEmojis> {
  const items: EmojifiableText[] = rows.flatMap((row) => [
    { key: `s${row.id}`, texts: [row.spoilerText, row.text || row.content, ...(row.pollOptions ?? [])], domain: row.domain },
    ...(row.pollOptions?.length ? [{ key: `p${row.id}`, texts: row.pollOptions, domain: row.domain }] : []),
  ]);
  const found = await customEmojisInTexts(ctx, items);
  const result: StatusEmojis = { statuses: new Map(), polls: new Map() };
  for (const row of rows) {
    const own = serialized(ctx, found, `s${row.id}`);
    if (own) result.statuses.set(row.id, own);
    const poll = serialized(ctx, found, `p${row.id}`);
    if (poll) result.polls.set(row.id, poll);
  }
  return result;
}

/** The custom emoji one poll's options use (its author's server's). */
export async function emojisOfPoll(ctx: AppContext, poll: { accountId: string; options: readonly string[] }): Promise<CustomEmojiEntity[]> {
  const [author] = await ctx.db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, poll.accountId));
  const found = await customEmojisInTexts(ctx, [{ key: 'poll', texts: poll.options, domain: author?.domain ?? null }]);
  return serialized(ctx, found, 'poll') ?? [];
}

/** The custom emoji of each revision of one status (StatusEdit#emojis: its text, warning and poll options). */
export async function emojisOfRevisions(
  ctx: AppContext,
  statusId: string,
  revisions: readonly { text: string; content: string; spoilerText: string; pollOptions: string[] | null }[],
): Promise<CustomEmojiEntity[][]> {
  const [author] = await ctx.db.select({ domain: accounts.domain }).from(statuses).innerJoin(accounts, eq(accounts.id, statuses.accountId)).where(eq(statuses.id, statusId));
  const domain = author?.domain ?? null;
  const found = await customEmojisInTexts(
    ctx,
    revisions.map((revision, index) => ({ key: String(index), texts: [revision.spoilerText, revision.text || revision.content, ...(revision.pollOptions ?? [])], domain })),
  );
  return revisions.map((_, index) => serialized(ctx, found, String(index)) ?? []);
}
