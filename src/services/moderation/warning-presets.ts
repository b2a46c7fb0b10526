import { asc, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountWarningPresets } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { recordStaffAction } from './audit-log.ts';

export type WarningPresetRow = typeof accountWarningPresets.$inferSelect;

/** Texts staff pick from when warning a member (AccountWarningPreset.alphabetic). */
export function listWarningPresets(ctx: AppContext): Promise<WarningPresetRow[]> {
  return ctx.db.select().from(accountWarningPresets).orderBy(asc(accountWarningPresets.title), asc(accountWarningPresets.text));
}

export async function findWarningPreset(ctx: AppContext, id: string): Promise<WarningPresetRow> {
  const [row] = isRowId(id) ? await ctx.db.select().from(accountWarningPresets).where(eq(accountWarningPresets.id, id)) : [];
  if (!row) throw notFound();
  return row;
}

function presetFields(input: { title?: string; text?: string }) {
  const text = (input.text ?? '').trim();
  if (!text) throw validationFailed(["Text can't be blank"]);
  return { title: (input.title ?? '').trim(), text };
}

export async function createWarningPreset(ctx: AppContext, staffAccountId: string, input: { title?: string; text?: string }): Promise<WarningPresetRow> {
  const [row] = await ctx.db.insert(accountWarningPresets).values(presetFields(input)).returning();
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'AccountWarningPreset', targetId: row!.id, summary: `created the warning preset ${row!.title || row!.id}` });
  return row!;
}

export async function updateWarningPreset(ctx: AppContext, staffAccountId: string, id: string, input: { title?: string; text?: string }): Promise<WarningPresetRow> {
  const preset = await findWarningPreset(ctx, id);
  const [row] = await ctx.db
    .update(accountWarningPresets)
    .set({ ...presetFields({ title: input.title ?? preset.title, text: input.text ?? preset.text }), updatedAt: new Date() })
    .where(eq(accountWarningPresets.id, preset.id))
    .returning();
  await recordStaffAction(ctx, {
    accountId: staffAccountId,
    action: 'update',
    targetType: 'AccountWarningPreset',
    targetId: preset.id,
    summary: `changed the warning preset ${row!.title || row!.id}`,
  });
  return row!;
}

export async function removeWarningPreset(ctx: AppContext, staffAccountId: string, id: string): Promise<void> {
  const preset = await findWarningPreset(ctx, id);
  await ctx.db.delete(accountWarningPresets).where(eq(accountWarningPresets.id, preset.id));
  await recordStaffAction(ctx, {
    accountId: staffAccountId,
    action: 'destroy',
    targetType: 'AccountWarningPreset',
    targetId: preset.id,
    summary: `deleted the warning preset ${preset.title || preset.id}`,
  });
}

/** Admin::AccountAction#text_for_warning: the preset's text, then the staff member's own, a blank line apart. */
export async function warningText(ctx: AppContext, presetId: string | undefined, text: string | undefined): Promise<string> {
  const preset = presetId ? await findWarningPreset(ctx, presetId) : undefined;
  return [preset?.text, text].filter((part): part is string => !!part?.trim()).join('\n\n');
}

/** REST::Admin::AccountWarningPresetSerializer. */
export function renderWarningPreset(row: WarningPresetRow) {
  return { id: row.id, title: row.title, text: row.text, created_at: row.createdAt.toISOString(), updated_at: row.updatedAt.toISOString() };
}
