import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { settings } from '../../db/schema.ts';

export type RegistrationsMode = 'open' | 'approved' | 'none';
/** Mastodon's show_domain_blocks choices: to nobody, to signed-in users, to everyone. */
export type Disclosure = 'disabled' | 'users' | 'all';

/** Instance settings an admin changes at run time, with Mastodon's defaults (config/settings.yml). */
export interface InstanceSettings {
  site_title: string;
  site_short_description: string;
  site_extended_description: string;
  site_contact_email: string;
  site_contact_username: string;
  registrations_mode: RegistrationsMode;
  closed_registrations_message: string;
  require_invite_text: boolean;
  show_domain_blocks: Disclosure;
  /** to whom the blocks' public comments are shown, with the same choices */
  show_domain_blocks_rationale: Disclosure;
  /** whether visitors who are not signed in see the local timeline and hashtag timelines on the public pages */
  timeline_preview: boolean;
  /** whether trends are shown at all */
  trends: boolean;
  /** whether hashtags, links and accounts' statuses may trend before staff review them */
  trendable_by_default: boolean;
  /** the privacy policy, in Markdown (Mastodon keeps it under this name); empty for the default text */
  site_terms: string;
}

export const DEFAULT_SETTINGS: InstanceSettings = {
  site_title: 'Subspace',
  site_short_description: '',
  site_extended_description: '',
  site_contact_email: '',
  site_contact_username: '',
  registrations_mode: 'none',
  closed_registrations_message: '',
  require_invite_text: false,
  show_domain_blocks: 'disabled',
  show_domain_blocks_rationale: 'disabled',
  timeline_preview: true,
  trends: true,
  trendable_by_default: false,
  site_terms: '',
};

const CACHE_KEY = 'settings:all';

export async function getSettings(ctx: AppContext): Promise<InstanceSettings> {
  const cached = await ctx.cache.get(CACHE_KEY);
  if (cached) return { ...DEFAULT_SETTINGS, ...(JSON.parse(cached) as Partial<InstanceSettings>) };
  const rows = await ctx.db.select().from(settings);
  const stored = Object.fromEntries(rows.map((row) => [row.var, row.value])) as Partial<InstanceSettings>;
  await ctx.cache.set(CACHE_KEY, JSON.stringify(stored), 60);
  return { ...DEFAULT_SETTINGS, ...stored };
}

export async function updateSetting<K extends keyof InstanceSettings>(ctx: AppContext, name: K, value: InstanceSettings[K]) {
  await ctx.db
    .insert(settings)
    .values({ var: name, value })
    .onConflictDoUpdate({ target: settings.var, set: { value, updatedAt: sql`now()` } });
  await ctx.cache.del(CACHE_KEY);
}

/** When a setting was last changed; null while it has its default. */
export async function settingUpdatedAt(ctx: AppContext, name: keyof InstanceSettings): Promise<Date | null> {
  const [row] = await ctx.db.select({ updatedAt: settings.updatedAt }).from(settings).where(eq(settings.var, name));
  return row?.updatedAt ?? null;
}
