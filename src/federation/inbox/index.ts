import type { InboxListenerSetters } from '@fedify/fedify';
import { Accept, Add, Announce, Block, Create, Delete, Flag, Follow, Like, Move, Reject, Remove, Undo, Update } from '@fedify/vocab';
import type { AppContext } from '../../context.ts';
import { onAccept, onReject } from './accept.ts';
import { onAnnounce } from './announce.ts';
import { onBlock } from './block.ts';
import { onCreate } from './create.ts';
import { onActorDelete } from './delete-actor.ts';
import { onStatusDelete } from './delete-status.ts';
import { onFollow } from './follow.ts';
import { onFlag } from './flag.ts';
import { onAdd, onRemove } from './featured.ts';
import { onMove } from './move.ts';
import { inTurn } from './in-turn.ts';
import { onLike } from './like.ts';
import { onInteractionUndo } from './undo-interaction.ts';
import { onRelationshipUndo } from './undo-relationship.ts';
import { onActorUpdate } from './update-actor.ts';
import { onStatusUpdate } from './update-status.ts';

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
  listeners.on(Follow, onFollow);
  listeners.on(Accept, onAccept);
  listeners.on(Reject, onReject);
  listeners.on(Block, onBlock);
  listeners.on(Create, onCreate);
  listeners.on(Announce, onAnnounce);
  listeners.on(Like, onLike);
  listeners.on(Flag, onFlag);
  listeners.on(Add, onAdd);
  listeners.on(Remove, onRemove);
  listeners.on(Move, onMove);
  // Undo, Update and Delete: handlers asked in turn until one takes it (statuses' handlers go after these)
  listeners.on(Undo, inTurn(onRelationshipUndo, onInteractionUndo));
  listeners.on(Update, inTurn(onActorUpdate, onStatusUpdate));
  listeners.on(Delete, inTurn(onActorDelete, onStatusDelete));
}
