import { createPublicKey } from 'node:crypto';
import { Application, Emoji, Group, Image, Link, Organization, PropertyValue, Service, type Actor, type DocumentLoader } from '@fedify/vocab';
import type { ProfileField } from '../db/schema.ts';
import type { RemoteEmoji } from '../services/activitypub/create-remote-status.ts';
import type { RemoteProfile } from '../services/activitypub/remote-accounts.ts';
import { sanitizeRemoteHtml } from '../lib/sanitize-html.ts';
import type { Handle } from './webfinger-client.ts';

/** What a remote actor may put in its profile before the rest is cut off. */
export const PROFILE_BOUNDS = {
  displayName: 1_000,
  /** characters of HTML, before sanitizing */
  note: 50_000,
  fields: 16,
  fieldName: 1_000,
  fieldValue: 5_000,
  aliases: 20,
  url: 2_048,
  /** tags read (emoji among them) */
  tags: 200,
  emojiShortcode: 100,
};

const MAX_COUNT = 2 ** 31 - 1;

/** Loads nothing: for properties that must be embedded (attachments), so a profile cannot make the instance fetch a list of URLs. */
const refuseToLoad: DocumentLoader = async (url) => {
  throw new Error(`not fetching ${url} for a profile property`);
};

export function httpUrl(value: URL | string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.href.length <= PROFILE_BOUNDS.url ? url.href : null;
  } catch {
    return null;
  }
}

function text(value: unknown, max: number): string {
  // strip control characters (but tabs and newlines) that no profile needs
  return value === null || value === undefined
    ? ''
    : String(value)
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
        .slice(0, max);
}

function linkHref(value: URL | Link | null): string | null {
  return httpUrl(value instanceof Link ? value.href : value);
}

async function imageUrl(load: () => Promise<Image | null>): Promise<string | null> {
  try {
    const image = await load();
    return image instanceof Image ? linkHref(image.url) : null;
  } catch {
    return null;
  }
}

async function fieldsOf(actor: Actor): Promise<ProfileField[]> {
  const fields: ProfileField[] = [];
  for await (const attachment of actor.getAttachments({ documentLoader: refuseToLoad, suppressError: true })) {
    if (!(attachment instanceof PropertyValue)) continue;
    fields.push({
      name: text(attachment.name, PROFILE_BOUNDS.fieldName),
      value: sanitizeRemoteHtml(text(attachment.value, PROFILE_BOUNDS.fieldValue)),
      verified_at: null,
    });
    if (fields.length >= PROFILE_BOUNDS.fields) break;
  }
  return fields;
}

/** The custom emoji of the profile (its `Emoji` tags, embedded), each shortcode once. */
async function emojisOf(actor: Actor): Promise<RemoteEmoji[]> {
  const emojis = new Map<string, RemoteEmoji>();
  let seen = 0;
  try {
    for await (const tag of actor.getTags({ documentLoader: refuseToLoad, suppressError: true })) {
      if (++seen > PROFILE_BOUNDS.tags) break;
      if (!(tag instanceof Emoji)) continue;
      const shortcode = tag.name?.toString().replace(/:/g, '').trim();
      const icon = await imageUrl(() => tag.getIcon({ documentLoader: refuseToLoad, suppressError: true }));
      if (!shortcode || shortcode.length > PROFILE_BOUNDS.emojiShortcode || !/^\w+$/.test(shortcode) || !icon) continue;
      emojis.set(shortcode, { shortcode, imageUrl: icon });
    }
  } catch {
    // a malformed tag list: the emoji read so far
  }
  return [...emojis.values()];
}

async function pemOf(key: CryptoKey | null | undefined): Promise<string | null> {
  if (!key) return null;
  try {
    const spki = Buffer.from(await crypto.subtle.exportKey('spki', key));
    return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return null;
  }
}

async function keysOf(actor: Actor, documentLoader: DocumentLoader) {
  const [rsa, multikey] = await Promise.all([
    actor.getPublicKey({ documentLoader }).catch(() => null),
    (async () => {
      for await (const method of actor.getAssertionMethods({ documentLoader: refuseToLoad, suppressError: true })) {
        if (method.publicKey?.algorithm.name === 'Ed25519') return method;
      }
      return null;
    })().catch(() => null),
  ]);
  return { publicKeyPem: await pemOf(rsa?.publicKey), multikeyPem: await pemOf(multikey?.publicKey) };
}

async function totalItems(load: () => Promise<{ totalItems: number | null } | null>): Promise<number | undefined> {
  try {
    const total = (await load())?.totalItems;
    return typeof total === 'number' && Number.isInteger(total) && total >= 0 ? Math.min(total, MAX_COUNT) : undefined;
  } catch {
    return undefined;
  }
}

function actorTypeOf(actor: Actor): string {
  if (actor instanceof Service) return 'Service';
  if (actor instanceof Application) return 'Application';
  if (actor instanceof Group) return 'Group';
  if (actor instanceof Organization) return 'Organization';
  return 'Person';
}

/** The profile page, when it is on the actor's own host (Mastodon ignores one elsewhere). */
function profileUrl(actor: Actor, uri: URL): string | null {
  const url = linkHref(actor.url);
  return url && new URL(url).host === uri.host ? url : null;
}

/**
 * A remote actor read as Mastodon's ActivityPub::ProcessAccountService reads one, every value
 * validated and bounded and the HTML sanitized. `documentLoader` fetches what is not embedded:
 * the key, avatar and header, and the collections whose totals are the counts.
 */
export async function profileOf(actor: Actor, handle: Handle, options: { documentLoader: DocumentLoader; webfingered: boolean; movedToAccountId: string | null }): Promise<RemoteProfile | undefined> {
  const uri = actor.id;
  const inboxUrl = httpUrl(actor.inboxId);
  if (!uri || !inboxUrl) return undefined;
  const { documentLoader } = options;
  const type = actorTypeOf(actor);
  const [fields, emojis, keys, avatarUrl, headerUrl, followers, following, statuses] = await Promise.all([
    fieldsOf(actor),
    emojisOf(actor),
    keysOf(actor, documentLoader),
    imageUrl(() => actor.getIcon({ documentLoader })),
    imageUrl(() => actor.getImage({ documentLoader })),
    totalItems(() => actor.getFollowers({ documentLoader })),
    totalItems(() => actor.getFollowing({ documentLoader })),
    totalItems(() => actor.getOutbox({ documentLoader })),
  ]);
  return {
    uri: uri.href,
    username: handle.username,
    domain: handle.domain,
    actorType: type,
    displayName: text(actor.name, PROFILE_BOUNDS.displayName),
    note: sanitizeRemoteHtml(text(actor.summary, PROFILE_BOUNDS.note)),
    fields,
    emojis,
    locked: actor.manuallyApprovesFollowers === true,
    bot: type === 'Service' || type === 'Application',
    discoverable: actor.discoverable === true,
    indexable: actor.indexable === true,
    memorial: actor.memorial === true,
    url: profileUrl(actor, uri),
    avatarUrl,
    headerUrl,
    alsoKnownAs: actor.aliasIds.slice(0, PROFILE_BOUNDS.aliases).flatMap((alias) => httpUrl(alias) ?? []),
    movedToAccountId: options.movedToAccountId,
    inboxUrl,
    sharedInboxUrl: httpUrl(actor.endpoints?.sharedInbox),
    outboxUrl: httpUrl(actor.outboxId),
    followersUrl: httpUrl(actor.followersId),
    followingUrl: httpUrl(actor.followingId),
    featuredCollectionUrl: httpUrl(actor.featuredId),
    ...keys,
    counts: { followers, following, statuses },
    webfingered: options.webfingered,
  };
}
