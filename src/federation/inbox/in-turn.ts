import type { Activity } from '@fedify/vocab';
import type { InboundContext } from './parties.ts';

export type TakingHandler<T extends Activity> = (fctx: InboundContext, activity: T) => Promise<boolean>;

/**
 * Fedify takes one listener per activity type, but Undo, Update and Delete mean different things
 * by their object (a relationship, an actor, a status): each handler is asked in turn, and the
 * first that returns true has taken the activity.
 */
export function inTurn<T extends Activity>(...handlers: TakingHandler<T>[]) {
  return async (fctx: InboundContext, activity: T): Promise<void> => {
    for (const handler of handlers) if (await handler(fctx, activity)) return;
  };
}
