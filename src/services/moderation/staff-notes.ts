import { type AnyColumn, and, asc, eq, type SQLWrapper } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountModerationNotes, accounts, reportNotes, users } from '../../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { hasPermission, outranks, PERMISSIONS } from '../../lib/user-roles.ts';
import type { Staff } from './account-actions.ts';

/** ReportNote::CONTENT_SIZE_LIMIT and AccountModerationNote::CONTENT_SIZE_LIMIT */
export const NOTE_MAX_LENGTH = 2_000;

export interface StaffNote {
  id: string;
  content: string;
  createdAt: Date;
  author: { id: string; username: string; role: string | null };
}

type NoteTable = typeof reportNotes | typeof accountModerationNotes;

function noteContent(content: string | undefined): string {
  const text = (content ?? '').trim();
  if (!text) throw validationFailed(["Content can't be blank"]);
  if ([...text].length > NOTE_MAX_LENGTH) throw validationFailed([`Content is too long (maximum is ${NOTE_MAX_LENGTH} characters)`]);
  return text;
}

function mayWrite(staff: Staff) {
  if (!hasPermission(staff.user.role, PERMISSIONS.manageReports)) throw new ApiError(403, 'This action is not allowed');
}

async function notesOf(ctx: AppContext, table: NoteTable, where: ReturnType<typeof eq>): Promise<StaffNote[]> {
  const rows = await ctx.db
    .select({ id: table.id, content: table.content, createdAt: table.createdAt, authorId: accounts.id, username: accounts.username, role: users.role })
    .from(table)
    .innerJoin(accounts, eq(accounts.id, table.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(where)
    .orderBy(asc(table.id));
  return rows.map((row) => ({ id: row.id, content: row.content, createdAt: row.createdAt, author: { id: row.authorId, username: row.username, role: row.role ?? null } }));
}

export const reportNotesOf = (ctx: AppContext, reportId: string) => notesOf(ctx, reportNotes, eq(reportNotes.reportId, reportId));
export const accountNotesOf = (ctx: AppContext, targetAccountId: string) => notesOf(ctx, accountModerationNotes, eq(accountModerationNotes.targetAccountId, targetAccountId));

export async function addReportNote(ctx: AppContext, staff: Staff, reportId: string, content: string | undefined): Promise<void> {
  mayWrite(staff);
  await ctx.db.insert(reportNotes).values({ reportId, accountId: staff.account.id, content: noteContent(content) });
}

export async function addAccountNote(ctx: AppContext, staff: Staff, targetAccountId: string, content: string | undefined): Promise<void> {
  mayWrite(staff);
  await ctx.db.insert(accountModerationNotes).values({ targetAccountId, accountId: staff.account.id, content: noteContent(content) });
}

/** Mastodon's note policies: a note's author may remove it, and so may staff who handle reports and rank above the author. */
const mayDelete = (staff: Staff, author: { id: string; role: string | null }) =>
  author.id === staff.account.id || (hasPermission(staff.user.role, PERMISSIONS.manageReports) && outranks(staff.user.role, author.role));

/** Removes the note `id` of the report or account `on` (`parent`: the column naming it). */
async function deleteNote(ctx: AppContext, staff: Staff, table: NoteTable, parent: SQLWrapper & AnyColumn, on: string, id: string): Promise<void> {
  if (!isRowId(id)) throw notFound();
  const [note] = await ctx.db
    .select({ id: table.accountId, role: users.role })
    .from(table)
    .leftJoin(users, eq(users.accountId, table.accountId))
    .where(and(eq(table.id, id), eq(parent, on)));
  if (!note) throw notFound();
  if (!mayDelete(staff, note)) throw new ApiError(403, 'This action is not allowed');
  await ctx.db.delete(table).where(eq(table.id, id));
}

export const deleteReportNote = (ctx: AppContext, staff: Staff, reportId: string, id: string) => deleteNote(ctx, staff, reportNotes, reportNotes.reportId, reportId, id);
export const deleteAccountNote = (ctx: AppContext, staff: Staff, targetAccountId: string, id: string) =>
  deleteNote(ctx, staff, accountModerationNotes, accountModerationNotes.targetAccountId, targetAccountId, id);

/** Whether `staff` may remove each of these notes (the page shows a Delete button for those). */
export function deletableNotes(staff: Staff, notes: readonly StaffNote[]): Set<string> {
  return new Set(notes.filter((note) => mayDelete(staff, note.author)).map((note) => note.id));
}
