import type { Config } from '../config/index.ts';
import { renderAdminMarkdown } from '../lib/text/admin-markdown.ts';
import type { PrivacyPolicy } from '../services/instance/privacy-policy.ts';

/** The policy's text as HTML, `%{domain}` filled in (Mastodon's PrivacyPolicySerializer#content). */
export function privacyPolicyHtml(policy: PrivacyPolicy, config: Config): string {
  return renderAdminMarkdown(policy.text.replaceAll('%{domain}', config.localDomain));
}

/** Mastodon's PrivacyPolicy entity: `{updated_at, content}`. */
export function serializePrivacyPolicy(policy: PrivacyPolicy, config: Config) {
  return { updated_at: policy.updatedAt.toISOString(), content: privacyPolicyHtml(policy, config) };
}
