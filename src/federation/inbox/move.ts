import type { Move } from '@fedify/vocab';
import { applyRemoteMove } from '../../services/accounts/move-account.ts';
import { refetchAccountByUri } from '../resolve-fresh.ts';
import { resolveRemoteAccountByUri } from '../resolve-account.ts';
import { localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/** ActivityPub::Activity::Move::PROCESSING_COOLDOWN: one Move of an account is processed per 7 days. */
const PROCESSING_COOLDOWN_SECONDS = 7 * 24 * 3600;

/**
 * Move (Mastodon's ActivityPub::Activity::Move): the sender moves itself (the object must be the
 * sender) to the target, which is fetched again now and must name the sender among its aliases
 * (`alsoKnownAs`) and not be suspended. The sender then redirects to the target and its local
 * followers follow the target instead (MoveWorker, in the `default` queue). A second Move of the
 * same account within 7 days is ignored, unless the first one failed its checks.
 */
export async function onMove(fctx: InboundContext, move: Move): Promise<void> {
  const sender = await senderOf(fctx, move);
  const targetUri = move.targetId;
  if (!sender || move.objectId?.href !== sender.uri || !targetUri || targetUri.href === sender.uri) return;
  const ctx = fctx.data;
  const key = `move_in_progress:${sender.id}`;
  if (!(await ctx.cache.setIfAbsent(key, '1', PROCESSING_COOLDOWN_SECONDS))) return;
  try {
    const target = (await localAccountOfUri(ctx, targetUri)) ?? (await refetchAccountByUri(ctx, targetUri.href, (uri) => resolveRemoteAccountByUri(ctx, uri)));
    if (!target || target.suspendedAt || target.id === sender.id || !(target.alsoKnownAs ?? []).includes(sender.uri)) {
      await ctx.cache.del(key);
      return;
    }
    await applyRemoteMove(ctx, sender, target);
  } catch (error) {
    await ctx.cache.del(key);
    throw error;
  }
}
