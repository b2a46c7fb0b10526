import type { AppContext } from '../context.ts';

/*
 * The pub/sub channels between the tiers that cause events (web, workers) and the streaming tier,
 * named as Mastodon names its Redis channels, so that one streaming process serves events caused
 * anywhere. A message is `{"event": …, "payload": …}` with the payload already rendered.
 */

export type StreamEventName =
  | 'update'
  | 'status.update'
  | 'delete'
  | 'notification'
  | 'conversation'
  | 'filters_changed'
  | 'announcement'
  | 'announcement.reaction'
  | 'announcement.delete'
  | 'notifications_merged'
  /** closes the connections of a token (revoked) or an account (suspended, disabled) */
  | 'kill';

export interface StreamMessage {
  event: StreamEventName;
  /** a JSON string for entities, the bare id for `delete` and `announcement.delete`, absent for `kill` */
  payload?: string;
  /** ms since the epoch when published, for delivery latency */
  queued_at?: number;
}

export type PublicScope = 'all' | 'local' | 'remote';

export const channels = {
  home: (accountId: string) => `timeline:${accountId}`,
  notifications: (accountId: string) => `timeline:${accountId}:notifications`,
  public: (scope: PublicScope, onlyMedia = false) => `timeline:public${scope === 'all' ? '' : `:${scope}`}${onlyMedia ? ':media' : ''}`,
  hashtag: (name: string, localOnly = false) => `timeline:hashtag:${name.toLowerCase()}${localOnly ? ':local' : ''}`,
  list: (listId: string) => `timeline:list:${listId}`,
  direct: (accountId: string) => `timeline:direct:${accountId}`,
  accessToken: (tokenId: string) => `timeline:access_token:${tokenId}`,
  system: (accountId: string) => `timeline:system:${accountId}`,
};

/** Mastodon's `subscribed:<channel>` marker: set by streaming processes while someone listens. */
export const subscribedKey = (channel: string) => `subscribed:${channel}`;
export const SUBSCRIBED_TTL_SECONDS = 1080;
export const SUBSCRIBED_REFRESH_SECONDS = 360;

/** Publishes one event; an object payload is rendered to JSON here. Never throws: streaming is best effort. */
export async function publishToStream(ctx: AppContext, channel: string, event: StreamEventName, payload?: unknown): Promise<void> {
  const message: StreamMessage = { event, queued_at: Date.now() };
  if (payload !== undefined) message.payload = typeof payload === 'string' ? payload : JSON.stringify(payload);
  try {
    await ctx.pubsub.publish(channel, JSON.stringify(message));
  } catch (error) {
    ctx.log.warn({ err: error, channel, event }, 'could not publish to the streaming tier');
  }
}

/**
 * The channels among `candidates` that some streaming process listens to, so that per-recipient
 * payloads are rendered only for those (Mastodon's `push_update_required?`).
 */
export async function listenedChannels(ctx: AppContext, candidates: string[]): Promise<string[]> {
  if (candidates.length === 0) return [];
  try {
    const markers = await ctx.cache.getMany(candidates.map(subscribedKey));
    return candidates.filter((_, index) => markers[index] !== null);
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read the streaming subscriptions');
    return [];
  }
}
