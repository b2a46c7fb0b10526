import type { InboxContext } from '@fedify/fedify';
import type { Activity, DocumentLoader } from '@fedify/vocab';
import type { AppContext } from '../../context.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { localAccountOfActorUri } from '../actors.ts';
import { remoteAccountOfActivity } from '../resolve-account.ts';

export type InboundContext = InboxContext<AppContext>;

/** The remote account that sent `activity` (Fedify checked its signature), unless it is unknown or suspended here. */
export async function senderOf(fctx: InboundContext, activity: Activity): Promise<AccountRow | undefined> {
  const sender = await remoteAccountOfActivity(fctx, activity);
  return sender && !sender.suspendedAt ? sender : undefined;
}

/** The local account whose actor URI this is (`https://this.domain/users/<name>`, or `/ap/users/<id>`), if any. */
export async function localAccountOfUri(ctx: AppContext, uri: URL | null | undefined): Promise<AccountRow | undefined> {
  return uri ? localAccountOfActorUri(ctx, uri) : undefined;
}

/** Loads nothing: reading an embedded object this way never makes the instance fetch what a remote server names. */
export const embeddedOnly: DocumentLoader = async (url) => {
  throw new Error(`not fetching ${url}: only an embedded object is read here`);
};

/**
 * An activity's embedded object as it came (or null when it is only a URI), for activities that
 * embed one of this instance's own Follows or Blocks, or the sender's: what it says is matched
 * against what is stored, never trusted on its own.
 */
export async function embeddedObject(activity: Activity) {
  // asked only when the object came embedded, as Fedify logs each refused fetch as an error
  const json = (await activity.toJsonLd().catch(() => null)) as { object?: unknown } | null;
  const object = Array.isArray(json?.object) ? json.object[0] : json?.object;
  if (typeof object !== 'object' || object === null) return null;
  return activity.getObject({ documentLoader: embeddedOnly, crossOrigin: 'trust', suppressError: true }).catch(() => null);
}
