import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users, type UserSettings } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { POLICY_KEYS, type PolicyKey, type Policy } from '../../serializers/notification-policy.ts';

const POLICY_VALUES: readonly string[] = ['accept', 'filter', 'drop'];
const LABELS: Record<PolicyKey, string> = {
  for_not_following: 'For not following',
  for_not_followers: 'For not followers',
  for_new_accounts: 'For new accounts',
  for_private_mentions: 'For private mentions',
  for_limited_accounts: 'For limited accounts',
};

/** The member's policy; every category is accepted until they change it. */
export function currentPolicy(settings: UserSettings): Policy {
  const stored = settings.notifications_policy ?? {};
  return Object.fromEntries(POLICY_KEYS.map((key) => [key, stored[key] ?? 'accept'])) as Policy;
}

/** Validates and stores changes (values already mapped to accept|filter|drop or anything a client sent). */
export async function updatePolicy(ctx: AppContext, userId: string, settings: UserSettings, changes: Partial<Record<PolicyKey, string>>): Promise<Policy> {
  const problems = POLICY_KEYS.filter((key) => changes[key] !== undefined && !POLICY_VALUES.includes(changes[key]!)).map((key) => `${LABELS[key]} is not included in the list`);
  if (problems.length) throw validationFailed(problems);
  const policy = { ...currentPolicy(settings), ...(changes as Partial<Policy>) };
  await ctx.db
    .update(users)
    .set({ settings: { ...settings, notifications_policy: policy }, updatedAt: new Date() })
    .where(eq(users.id, userId));
  return policy;
}
