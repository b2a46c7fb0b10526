import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountNotes } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';

export const NOTE_MAX_LENGTH = 2000;

/** `POST /api/v1/accounts/:id/note`: a private comment on another account; a blank one deletes it. */
export async function setAccountNote(ctx: AppContext, accountId: string, targetId: string, comment: string) {
  if ([...comment].length > NOTE_MAX_LENGTH) throw validationFailed([`Comment is too long (maximum is ${NOTE_MAX_LENGTH} characters)`]);
  if (comment.trim() === '') {
    await ctx.db.delete(accountNotes).where(and(eq(accountNotes.accountId, accountId), eq(accountNotes.targetAccountId, targetId)));
  } else {
    await ctx.db
      .insert(accountNotes)
      .values({ accountId, targetAccountId: targetId, comment })
      .onConflictDoUpdate({ target: [accountNotes.accountId, accountNotes.targetAccountId], set: { comment } });
  }
}
