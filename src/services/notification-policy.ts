import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { users, type UserSettings } from '../db/schema.ts';
import { validationFailed } from '../lib/errors.ts';

export const POLICY_KEYS = ['for_not_following', 'for_not_followers', 'for_new_accounts', 'for_private_mentions', 'for_limited_accounts'] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];
export type PolicyValue = 'accept' | 'filter' | 'drop';
export type Policy = Record<PolicyKey, PolicyValue>;

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

/** The policy's `summary`: the member's pending notification requests and the notifications they hold. */
export interface PolicySummary {
  pending_requests_count: number;
  pending_notifications_count: number;
}

/** REST::NotificationPolicySerializer (v2). */
export function renderPolicyV2(policy: Policy, summary: PolicySummary) {
  return { ...policy, summary };
}

/** REST::V1::NotificationPolicySerializer: booleans, true for anything but accept. */
export function renderPolicyV1(policy: Policy, summary: PolicySummary) {
  return {
    filter_not_following: policy.for_not_following !== 'accept',
    filter_not_followers: policy.for_not_followers !== 'accept',
    filter_new_accounts: policy.for_new_accounts !== 'accept',
    filter_private_mentions: policy.for_private_mentions !== 'accept',
    summary,
  };
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
