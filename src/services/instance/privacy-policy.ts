import type { AppContext } from '../../context.ts';
import { getSettings, settingUpdatedAt } from '../accounts/settings.ts';

export interface PrivacyPolicy {
  /** Markdown, with `%{domain}` standing for the instance's domain */
  text: string;
  updatedAt: Date;
}

/** The policy an instance has until its admin writes one (Mastodon ships a template the same way). */
export const DEFAULT_PRIVACY_POLICY = `**What this server keeps.** %{domain} keeps what you give it to run your account: your e-mail address, your profile, your posts and the media you attach, who you follow and who follows you, and the IP addresses and browsers of your sessions, kept for security.

**Who sees your posts.** Public and unlisted posts can be seen by anyone, and are delivered to other servers in the fediverse, as are your profile and who you follow. Followers-only posts go to your followers' servers; direct messages to the servers of the people mentioned. Other servers keep copies under their own policies; deleting a post here asks them to delete theirs.

**Your choices.** You can download an archive of your data, and delete your account, from your settings.`;

/** When the default text above last changed. */
export const DEFAULT_PRIVACY_POLICY_UPDATED_AT = new Date('2026-12-07T00:00:00Z');

/** Mastodon's `PrivacyPolicy.current`: the admin's text (the `site_terms` setting) or the default. */
export async function privacyPolicy(ctx: AppContext): Promise<PrivacyPolicy> {
  const { site_terms } = await getSettings(ctx);
  if (!site_terms.trim()) return { text: DEFAULT_PRIVACY_POLICY, updatedAt: DEFAULT_PRIVACY_POLICY_UPDATED_AT };
  return { text: site_terms, updatedAt: (await settingUpdatedAt(ctx, 'site_terms')) ?? DEFAULT_PRIVACY_POLICY_UPDATED_AT };
}
