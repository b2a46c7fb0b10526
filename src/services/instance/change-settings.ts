import type { AppContext } from '../../context.ts';
import { validationFailed } from '../../lib/errors.ts';
import { getSettings, updateSetting, type InstanceSettings } from '../accounts/settings.ts';
import { recordStaffAction } from '../moderation/audit-log.ts';

/** What the staff settings form edits (Mastodon's Form::AdminSettings, the part this server has). */
export const EDITABLE_SETTINGS = [
  'site_title',
  'site_short_description',
  'site_extended_description',
  'site_contact_email',
  'site_contact_username',
  'registrations_mode',
  'closed_registrations_message',
  'require_invite_text',
  'show_domain_blocks',
  'show_domain_blocks_rationale',
  'trends',
  'site_terms',
] as const satisfies readonly (keyof InstanceSettings)[];

export type SettingsChange = Partial<Pick<InstanceSettings, (typeof EDITABLE_SETTINGS)[number]>>;

const CHOICES: Partial<Record<keyof InstanceSettings, readonly string[]>> = {
  registrations_mode: ['open', 'approved', 'none'],
  show_domain_blocks: ['disabled', 'users', 'all'],
  show_domain_blocks_rationale: ['disabled', 'users', 'all'],
};
const EMAIL = /^[^@\s]+@[^@\s]+$/;

function validate(change: SettingsChange): string[] {
  const errors: string[] = [];
  if (change.site_title !== undefined && !change.site_title.trim()) errors.push("Site title can't be blank");
  if (change.site_contact_email && !EMAIL.test(change.site_contact_email)) errors.push('Contact e-mail is invalid');
  for (const [name, choices] of Object.entries(CHOICES)) {
    const value = change[name as keyof SettingsChange];
    if (value !== undefined && !choices!.includes(String(value))) errors.push(`${name} is not included in the list`);
  }
  return errors;
}

/**
 * Saves the settings that differ from the current ones, after checking them all (422, nothing
 * saved, on any invalid one), and records the change in the audit log. Returns the names changed.
 */
export async function changeInstanceSettings(ctx: AppContext, staffAccountId: string | null, change: SettingsChange): Promise<string[]> {
  const errors = validate(change);
  if (errors.length) throw validationFailed(errors);
  const current = await getSettings(ctx);
  const changed = EDITABLE_SETTINGS.filter((name) => change[name] !== undefined && change[name] !== current[name]);
  for (const name of changed) await updateSetting(ctx, name, change[name]!);
  if (changed.length)
    await recordStaffAction(ctx, { accountId: staffAccountId, action: 'update', targetType: 'Settings', targetId: null, summary: `changed the server settings: ${changed.join(', ')}` });
  return changed;
}
