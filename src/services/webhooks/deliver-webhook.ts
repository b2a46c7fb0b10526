import { createHmac } from 'node:crypto';
import { baseUrl, type Config } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { WebhookDelivery } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { SUBSPACE_VERSION } from '../../lib/instance-limits.ts';
import { guardedFetch, OutboundRequestRefused, outboundPolicy, unwrappedFetch, type OutboundPolicy } from '../../lib/outbound-fetch.ts';
import { retryable } from '../../lib/remote-file.ts';
import { renderWebhookObject } from '../../presenters/webhook-objects.ts';
import { webhooksFor, findWebhook, type WebhookEvent } from './webhooks.ts';

/** Mastodon's signature: the HMAC-SHA256 of the exact body with the webhook's secret, in hex. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * TriggerWebhookWorker + WebhookService: the event's body (REST::Admin::WebhookEventSerializer:
 * `event`, `created_at`, `object`) rendered once, then one delivery job per subscribed webhook.
 * An object gone meanwhile (deleted) is not told.
 */
export async function fanOutWebhookEvent(ctx: AppContext, data: { event: WebhookEvent; objectId: string; at: string }): Promise<void> {
  const targets = await webhooksFor(ctx, data.event);
  if (targets.length === 0) return;
  const object = await renderWebhookObject(ctx, data.event, data.objectId);
  if (object === undefined) return;
  const body = JSON.stringify({ event: data.event, created_at: data.at, object });
  for (const webhook of targets) await enqueue(ctx, WebhookDelivery, { webhookId: webhook.id, body });
}

const policies = new WeakMap<Config, OutboundPolicy>();

/** Federation's outbound rules: never a private or reserved address (ALLOWED_PRIVATE_ADDRESSES aside). */
function deliveryPolicy(config: Config): OutboundPolicy {
  let policy = policies.get(config);
  if (!policy) {
    policy = outboundPolicy(config.allowedPrivateAddresses, `Subspace/${SUBSPACE_VERSION} (+${baseUrl(config)}/)`, undefined, { connectMs: 5_000, readMs: 10_000 });
    policies.set(config, policy);
  }
  return policy;
}

export class WebhookDeliveryFailed extends Error {}

/**
 * Webhooks::DeliveryWorker: POSTs the body with `X-Hub-Signature`. A 2xx is done; an answer
 * retrying cannot change (most 4xx), a webhook deleted meanwhile, or an address federation may not
 * reach is given up; anything else (5xx, 429, a timeout) fails the job, which the queue retries
 * with back-off.
 */
export async function deliverWebhook(ctx: AppContext, data: { webhookId: string; body: string }): Promise<void> {
  const webhook = await findWebhook(ctx, data.webhookId).catch(() => undefined);
  if (!webhook?.enabled) return;
  let response: Response;
  try {
    response = await guardedFetch(unwrappedFetch(), deliveryPolicy(ctx.config), webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': webhookSignature(webhook.secret, data.body) },
      body: data.body,
      redirect: 'manual',
    });
  } catch (error) {
    if (error instanceof OutboundRequestRefused || (error instanceof Error && error.cause instanceof OutboundRequestRefused)) {
      ctx.log.warn({ webhookId: webhook.id, url: webhook.url, err: error }, 'webhook not delivered: its address may not be reached');
      return;
    }
    throw error;
  }
  void response.body?.cancel();
  if (response.ok || !retryable(response.status)) return;
  throw new WebhookDeliveryFailed(`webhook ${webhook.url} answered ${response.status}`);
}
