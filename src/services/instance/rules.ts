import { asc, eq, inArray, isNull, and } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { rules } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { recordStaffAction } from '../moderation/audit-log.ts';

export interface Rule {
  id: string;
  text: string;
  hint: string;
}

const CACHE_KEY = 'instance:rules';
/** Mastodon's Rule validations: the text at most 300 characters, the hint at most 2,000. */
const TEXT_LIMIT = 300;
const HINT_LIMIT = 2000;

/** The rules in force, in the admin's order (Mastodon's `Rule.ordered`: by priority, then by creation). */
export async function instanceRules(ctx: AppContext): Promise<Rule[]> {
  const cached = await ctx.cache.get(CACHE_KEY);
  if (cached) return JSON.parse(cached) as Rule[];
  const rows = await ctx.db.select({ id: rules.id, text: rules.text, hint: rules.hint }).from(rules).where(isNull(rules.deletedAt)).orderBy(asc(rules.priority), asc(rules.id));
  await ctx.cache.set(CACHE_KEY, JSON.stringify(rows), 60);
  return rows;
}

/** The rules, deleted ones too (Mastodon's `Rule.with_discarded`), that `ids` name: what a report cites. */
export async function rulesByIds(ctx: AppContext, ids: readonly string[]): Promise<Rule[]> {
  const wanted = [...new Set(ids)].filter((id) => /^\d{1,19}$/.test(id));
  if (wanted.length === 0) return [];
  return ctx.db.select({ id: rules.id, text: rules.text, hint: rules.hint }).from(rules).where(inArray(rules.id, wanted)).orderBy(asc(rules.priority), asc(rules.id));
}

/** Of `ids`, those naming a rule (Report#validate_rule_ids counts `Rule.with_discarded`). */
export async function knownRuleIds(ctx: AppContext, ids: readonly string[]): Promise<string[]> {
  return (await rulesByIds(ctx, ids)).map((rule) => rule.id);
}

export interface RuleInput {
  text: string;
  hint?: string;
  priority?: number;
}

function validRule(input: RuleInput) {
  const text = input.text.trim();
  const hint = (input.hint ?? '').trim();
  if (!text) throw validationFailed(["Text can't be blank"]);
  if (text.length > TEXT_LIMIT) throw validationFailed([`Text is too long (maximum is ${TEXT_LIMIT} characters)`]);
  if (hint.length > HINT_LIMIT) throw validationFailed([`Hint is too long (maximum is ${HINT_LIMIT} characters)`]);
  return { text, hint };
}

/** Changes a rule's text, hint or priority; false if there is no such rule in force. */
export async function updateRule(ctx: AppContext, id: string, input: RuleInput, staffAccountId: string | null = null): Promise<boolean> {
  if (!/^\d{1,19}$/.test(id)) return false;
  const { text, hint } = validRule(input);
  const updated = await ctx.db
    .update(rules)
    .set({ text, hint, priority: input.priority, updatedAt: new Date() })
    .where(and(eq(rules.id, id), isNull(rules.deletedAt)))
    .returning({ id: rules.id });
  await ctx.cache.del(CACHE_KEY);
  if (updated.length > 0) await recordStaffAction(ctx, { accountId: staffAccountId, action: 'update', targetType: 'Rule', targetId: id, summary: `changed the server rule "${text}"` });
  return updated.length > 0;
}

/** Adds a rule (`subspace rules add`); a lower priority comes first. */
export async function addRule(ctx: AppContext, input: RuleInput, staffAccountId: string | null = null): Promise<Rule> {
  const { text, hint } = validRule(input);
  const [row] = await ctx.db
    .insert(rules)
    .values({ text, hint, priority: input.priority ?? 0 })
    .returning({ id: rules.id, text: rules.text, hint: rules.hint });
  await ctx.cache.del(CACHE_KEY);
  await recordStaffAction(ctx, { accountId: staffAccountId, action: 'create', targetType: 'Rule', targetId: row!.id, summary: `added the server rule "${text}"` });
  return row!;
}

/** Removes a rule; kept as deleted, as Mastodon does, so that reports citing it still can. False if there was none. */
export async function removeRule(ctx: AppContext, id: string, staffAccountId: string | null = null): Promise<boolean> {
  if (!/^\d{1,19}$/.test(id)) return false;
  const removed = await ctx.db
    .update(rules)
    .set({ deletedAt: new Date() })
    .where(and(eq(rules.id, id), isNull(rules.deletedAt)))
    .returning({ id: rules.id, text: rules.text });
  await ctx.cache.del(CACHE_KEY);
  if (removed[0]) await recordStaffAction(ctx, { accountId: staffAccountId, action: 'destroy', targetType: 'Rule', targetId: id, summary: `removed the server rule "${removed[0].text}"` });
  return removed.length > 0;
}
