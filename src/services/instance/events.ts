import type { AppContext } from '../../context.ts';

/**
 * Domain events, published on the `events` channel of the pub/sub backend, for the tiers that
 * react to what happened without the services knowing them. Each has a consumer (today the
 * streaming hub, which reloads a viewer's filters): an event nobody listens to is not published
 * (test/architecture/events.test.ts checks it).
 */
export type DomainEvent =
  | { type: 'block.created' | 'block.removed' | 'mute.created' | 'mute.removed'; accountId: string; targetAccountId: string }
  | { type: 'domain_block.created' | 'domain_block.removed'; accountId: string; domain: string }
  | { type: 'account.updated'; accountId: string }
  | { type: 'filters.changed'; accountId: string };

export const EVENTS_CHANNEL = 'events';

export async function publishEvent(ctx: AppContext, event: DomainEvent) {
  try {
    await ctx.pubsub.publish(EVENTS_CHANNEL, JSON.stringify(event));
  } catch (error) {
    // an event nobody could hear is not worth failing the action that caused it
    ctx.log.warn({ err: error, event: event.type }, 'could not publish domain event');
  }
}
