export const POLICY_KEYS = ['for_not_following', 'for_not_followers', 'for_new_accounts', 'for_private_mentions', 'for_limited_accounts'] as const;

export type PolicyKey = (typeof POLICY_KEYS)[number];

export type PolicyValue = 'accept' | 'filter' | 'drop';

export type Policy = Record<PolicyKey, PolicyValue>;

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
