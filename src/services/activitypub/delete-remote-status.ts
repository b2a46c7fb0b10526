import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { statuses, tombstones } from '../../db/schema.ts';
import { deleteStatus } from '../statuses/delete-status.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { unreblogStatus } from '../statuses/reblog-status.ts';

/** Leaves a tombstone for a URI of the account's own server, so a Create or Announce of it arriving later is refused. */
export async function buryUri(ctx: AppContext, author: AccountRow, uri: string): Promise<void> {
  if (!sameHost(author.uri, uri)) return;
  await ctx.db.insert(tombstones).values({ uri, accountId: author.id }).onConflictDoNothing();
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host.toLowerCase() === new URL(b).host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Another server's Delete of one of its statuses (Mastodon's ActivityPub::Activity::Delete#delete_note):
 * a tombstone stays for the URI (even when the status never arrived, so a late Create is refused),
 * and the status, if known and the sender's, is deleted as its author deleting it would be (its
 * boosts, counters, feeds, notifications) and its attachments go with their files (kept while it is
 * reported); a boost is taken back. Returns whether something was deleted.
 */
export async function deleteRemoteStatus(ctx: AppContext, author: AccountRow, uri: string): Promise<boolean> {
  await buryUri(ctx, author, uri);
  const [status] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.uri, uri), eq(statuses.accountId, author.id), isNull(statuses.deletedAt)))
    .limit(1);
  if (!status) return false;
  if (status.reblogOfId) await unreblogStatus(ctx, author.id, status.reblogOfId);
  else await deleteStatus(ctx, author.id, status.id, { removeMedia: true });
  return true;
}
