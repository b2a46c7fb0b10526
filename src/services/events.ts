import type { AppContext } from '../context.ts';
import { forgetStatusParts } from '../presenters/status-parts-cache.ts';

/**
 * Domain events, published on the `events` channel of the pub/sub backend, for the tiers that
 * react to what happened (streaming, web push, federation) without the services knowing them.
 */
export type DomainEvent =
  | { type: 'status.created'; statusId: string }
  | { type: 'status.updated'; statusId: string }
  | { type: 'status.deleted'; statusId: string; accountId: string }
  | { type: 'notification.created'; accountId: string; notificationId: string }
  | { type: 'follow.created' | 'follow.removed' | 'follow_request.created'; accountId: string; targetAccountId: string }
  | { type: 'block.created' | 'block.removed' | 'mute.created' | 'mute.removed'; accountId: string; targetAccountId: string }
  | { type: 'follow_request.rejected' | 'endorsement.created' | 'endorsement.removed' | 'account_note.updated'; accountId: string; targetAccountId: string }
  | { type: 'domain_block.created' | 'domain_block.removed'; accountId: string; domain: string }
  | { type: 'favourite.created' | 'favourite.removed'; accountId: string; statusId: string }
  | { type: 'bookmark.created' | 'bookmark.removed' | 'pin.created' | 'pin.removed' | 'conversation_mute.created' | 'conversation_mute.removed'; accountId: string; statusId: string }
  | { type: 'poll.voted'; accountId: string; pollId: string; statusId: string }
  | { type: 'poll.ended'; pollId: string; statusId: string }
  | { type: 'scheduled_status.updated' | 'scheduled_status.removed'; accountId: string; scheduledStatusId: string }
  | { type: 'account.updated'; accountId: string }
  | { type: 'filters.changed'; accountId: string };

export const EVENTS_CHANNEL = 'events';

export async function publishEvent(ctx: AppContext, event: DomainEvent) {
  // the shared cache, not the event, carries the invalidation: every process reads the same entries
  if (event.type === 'status.updated' || event.type === 'status.deleted') await forgetStatusParts(ctx, [event.statusId]);
  try {
    await ctx.pubsub.publish(EVENTS_CHANNEL, JSON.stringify(event));
  } catch (error) {
    // an event nobody could hear is not worth failing the action that caused it
    ctx.log.warn({ err: error, event: event.type }, 'could not publish domain event');
  }
}
