import { ECDH } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { webPushSubscriptions, type WebPushSubscriptionData, type WebPushSubscriptionRow } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { PUSH_ALERT_TYPES, PUSH_POLICIES } from '../../lib/push-alerts.ts';
import { seal } from '../../lib/sealed-text.ts';

/** What the access token a payload carries is sealed for (src/lib/sealed-text.ts). */
export const SEALED_TOKEN_PURPOSE = 'web push access token';

export interface SubscriptionInput {
  endpoint: string | undefined;
  p256dh: string | undefined;
  auth: string | undefined;
  standard: boolean;
}

/** Alerts as given (`true`/`false` per type, unknown types ignored) and the policy; absent means none and `all`. */
export interface DataInput {
  alerts: Partial<Record<string, boolean>>;
  policy: string | undefined;
}

const base64url = (value: string) => /^[A-Za-z0-9_-]+={0,2}$/.test(value);

function validEndpoint(endpoint: string): boolean {
  if (endpoint.length > 2048) return false;
  try {
    const url = new URL(endpoint);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A P-256 public point, as a browser's PushSubscription gives it (65 bytes, uncompressed). */
function validPublicKey(key: string): boolean {
  if (!base64url(key)) return false;
  const bytes = Buffer.from(key, 'base64url');
  if (bytes.length !== 65 || bytes[0] !== 4) return false;
  try {
    ECDH.convertKey(bytes, 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** The reasons a subscription is refused, in Rails' wording; none when it is whole. */
function subscriptionProblems(input: SubscriptionInput): string[] {
  const problems: string[] = [];
  if (!input.endpoint) problems.push("Endpoint can't be blank");
  else if (!validEndpoint(input.endpoint)) problems.push('Endpoint is not a valid URL');
  if (!input.p256dh) problems.push("Key p256dh can't be blank");
  else if (!validPublicKey(input.p256dh)) problems.push('Key p256dh is not a valid P-256 public key');
  if (!input.auth) problems.push("Key auth can't be blank");
  else if (!base64url(input.auth) || Buffer.from(input.auth, 'base64url').length !== 16) problems.push('Key auth is not a 16-byte secret');
  return problems;
}

/** The stored form of `data`: every alert type true or false, and a known policy (422 otherwise). */
export function subscriptionData(input: DataInput): WebPushSubscriptionData {
  const policy = input.policy ?? 'all';
  if (!(PUSH_POLICIES as readonly string[]).includes(policy)) throw validationFailed([`Policy must be one of ${PUSH_POLICIES.join(', ')}`]);
  return { alerts: Object.fromEntries(PUSH_ALERT_TYPES.map((type) => [type, input.alerts[type] === true])), policy };
}

/**
 * Subscribes the device behind an access token: its earlier subscription, if any, is replaced
 * (one per token, as Mastodon's controller does). The token itself is kept sealed, for the payloads.
 */
export async function subscribe(ctx: AppContext, owner: { userId: string; tokenId: string; token: string }, input: SubscriptionInput, data: DataInput): Promise<WebPushSubscriptionRow> {
  const problems = subscriptionProblems(input);
  if (problems.length > 0) throw validationFailed(problems);
  const stored = subscriptionData(data);
  return ctx.db.transaction(async (tx) => {
    await tx.delete(webPushSubscriptions).where(eq(webPushSubscriptions.accessTokenId, owner.tokenId));
    const [row] = await tx
      .insert(webPushSubscriptions)
      .values({
        endpoint: input.endpoint!,
        keyP256dh: input.p256dh!.replace(/=+$/, ''),
        keyAuth: input.auth!.replace(/=+$/, ''),
        standard: input.standard,
        data: stored,
        userId: owner.userId,
        accessTokenId: owner.tokenId,
        accessTokenSealed: seal(ctx.config.secretKeyBase, SEALED_TOKEN_PURPOSE, owner.token),
      })
      .returning();
    return row!;
  });
}

export async function subscriptionOfToken(ctx: AppContext, tokenId: string): Promise<WebPushSubscriptionRow | undefined> {
  const [row] = await ctx.db.select().from(webPushSubscriptions).where(eq(webPushSubscriptions.accessTokenId, tokenId)).limit(1);
  return row;
}

/** Replaces a subscription's alerts and policy (Mastodon's `update!(data: data_params)`); undefined when the token has none. */
export async function updateSubscriptionData(ctx: AppContext, tokenId: string, data: DataInput): Promise<WebPushSubscriptionRow | undefined> {
  const stored = subscriptionData(data);
  const [row] = await ctx.db.update(webPushSubscriptions).set({ data: stored, updatedAt: new Date() }).where(eq(webPushSubscriptions.accessTokenId, tokenId)).returning();
  return row;
}

export async function unsubscribeTokens(ctx: Pick<AppContext, 'db'>, tokenIds: string[]): Promise<void> {
  if (tokenIds.length === 0) return;
  await ctx.db.delete(webPushSubscriptions).where(inArray(webPushSubscriptions.accessTokenId, tokenIds));
}
