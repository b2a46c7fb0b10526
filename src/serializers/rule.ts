/** Mastodon's Rule entity (REST::RuleSerializer). */
export function serializeRule(rule: { id: string; text: string; hint: string }) {
  return { id: rule.id, text: rule.text, hint: rule.hint, translations: {} };
}
