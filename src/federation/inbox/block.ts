import type { Block } from '@fedify/vocab';
import { blockedByRemote } from '../../services/activitypub/remote-relationships.ts';
import { localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/** Block of a local account (Mastodon's ActivityPub::Activity::Block): follows both ways end and the block is recorded. */
export async function onBlock(fctx: InboundContext, block: Block): Promise<void> {
  if (!block.id) return;
  const local = await localAccountOfUri(fctx.data, block.objectId);
  if (!local) return;
  const sender = await senderOf(fctx, block);
  if (sender) await blockedByRemote(fctx.data, sender, local.id, block.id.href);
}
