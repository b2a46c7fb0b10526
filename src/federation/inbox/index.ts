import type { InboxListenerSetters } from '@fedify/fedify';
import type { AppContext } from '../../context.ts';

/**
 * Inbound activities reach Fedify at the personal inboxes (`/users/<username>/inbox`, `/actor/inbox`)
 * and the shared inbox (`/inbox`); Fedify verifies their signatures (401 without a valid one), answers
 * 202 and queues them in `ingress`, where a worker hands each to the listener for its type. One
 * handler per activity type belongs in this folder (follow.ts, create.ts …), each registered here
 * with `listeners.on(Follow, onFollow)`. Types without a listener are accepted and dropped.
 */
export function registerInboxListeners(listeners: InboxListenerSetters<AppContext>): void {
  listeners.onError((fctx, error) => {
    fctx.data.log.error({ err: error }, 'processing an inbound activity failed');
  });
}
