import type { AppContext } from '../../context.ts';
import { TriggerWebhook } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { hasSubscribers, type WebhookEvent } from './webhooks.ts';

/**
 * Tells the webhooks subscribed to `event` about the object (an account, a report or a status by
 * id), as Mastodon's models do after their commit (TriggerWebhookWorker): the object is rendered
 * and delivered from the queue. Called by the services where the event happens, directly rather
 * than through the pub/sub domain events, which every process hears (one delivery each) and which
 * are lost when nobody listens. A failure here never fails what the member did.
 */
export async function triggerWebhook(ctx: AppContext, event: WebhookEvent, objectId: string): Promise<void> {
  try {
    if (!(await hasSubscribers(ctx, event))) return;
    await enqueue(ctx, TriggerWebhook, { event, objectId, at: new Date().toISOString() });
  } catch (error) {
    ctx.log.warn({ err: error, event, objectId }, 'could not enqueue a webhook event');
  }
}
