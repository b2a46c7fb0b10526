import type { Rule } from '../services/instance/rules.ts';

/** Mastodon's Rule entity (REST::RuleSerializer). */
export function serializeRule(rule: Rule) {
  return { id: rule.id, text: rule.text, hint: rule.hint, translations: {} };
}
