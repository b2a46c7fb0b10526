import type { Config } from '../config/index.ts';
import { renderAdminMarkdown } from '../lib/text/admin-markdown.ts';

/** The admin's Markdown (or the default text) and when it last changed. */
interface PrivacyPolicy {
  text: string;
  updatedAt: Date;
}

/** The policy's text as HTML, `%{domain}` filled in (Mastodon's PrivacyPolicySerializer#content). */
export function privacyPolicyHtml(policy: PrivacyPolicy, config: Config): string {
  return renderAdminMarkdown(policy.text.replaceAll('%{domain}', config.localDomain));
}

/** Mastodon's PrivacyPolicy entity: `{updated_at, content}`. */
export function serializePrivacyPolicy(policy: PrivacyPolicy, config: Config) {
  return { updated_at: policy.updatedAt.toISOString(), content: privacyPolicyHtml(policy, config) };
}
