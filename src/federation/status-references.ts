import type { Activity } from '@fedify/vocab';
import { and, eq, isNull } from 'drizzle-orm';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { statuses } from '../db/schema.ts';
import type { RemoteStatusInput } from '../services/activitypub/create-remote-status.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { findAccountByUri } from '../services/activitypub/remote-accounts.ts';
import type { StatusRow } from '../services/statuses/post-status.ts';
import { accountOfIdentifier, findLocalActorAccount, localAccountOfActorUri } from './actors.ts';
import type { InboundStatus } from './inbound-status.ts';
import { resolveRemoteAccountByUri } from './resolve-account.ts';

/** Unknown mentioned accounts fetched for one status at most; the rest of a long list is not chased. */
const MAX_FETCHED_MENTIONS = 5;

/** A local account by its actor URI (`/users/<name>`, `/ap/users/<id>`) or profile URL (`/@<name>`), which some servers mention. */
async function localAccountOf(ctx: AppContext, uri: URL): Promise<AccountRow | undefined> {
  if (uri.origin !== new URL(baseUrl(ctx.config)).origin || uri.search) return undefined;
  const profile = /^\/@([A-Za-z0-9_.-]+)$/.exec(uri.pathname);
  return profile ? findLocalActorAccount(ctx, profile[1]!) : localAccountOfActorUri(ctx, uri);
}

/** The account an actor URI names: local, known, or (when `fetch` allows) fetched and stored. */
async function accountOfUri(ctx: AppContext, href: string, fetch: boolean): Promise<AccountRow | undefined> {
  let uri: URL;
  try {
    uri = new URL(href);
  } catch {
    return undefined;
  }
  const local = await localAccountOf(ctx, uri);
  if (local || uri.origin === new URL(baseUrl(ctx.config)).origin) return local;
  const known = await findAccountByUri(ctx, uri.href);
  if (known || !fetch) return known?.suspendedAt ? undefined : known;
  const fetched = await resolveRemoteAccountByUri(ctx, uri.href);
  return fetched?.suspendedAt ? undefined : fetched;
}

/** A live status here by its URI (a local one, or a remote one already received). */
export async function statusByUri(ctx: AppContext, uri: string | null): Promise<StatusRow | undefined> {
  if (!uri) return undefined;
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.uri, uri), isNull(statuses.deletedAt)))
    .limit(1);
  return row;
}

/**
 * A parsed remote status with its references resolved, as the services take it (Mastodon's
 * Create#process_tags and #process_audience): mentioned accounts (known, or fetched, a few at most),
 * the accounts it is addressed to that are known here (no fetch: they only matter for access), and
 * the local account whose inbox it came to; the parent when known.
 */
export async function remoteStatusInput(ctx: AppContext, parsed: InboundStatus, deliveredTo: string | null): Promise<RemoteStatusInput> {
  // a mentioned actor is usually addressed too (Mastodon puts it in cc): each URI is looked up once
  const found = new Map<string, { id: string } | undefined>();
  const mentioned: string[] = [];
  let fetches = 0;
  for (const mention of parsed.mentions) {
    const known = await accountOfUri(ctx, mention.href, false);
    const account = known ?? (fetches++ < MAX_FETCHED_MENTIONS ? await accountOfUri(ctx, mention.href, true) : undefined);
    found.set(mention.href, account);
    if (account) mentioned.push(account.id);
  }
  const audience: string[] = [];
  for (const href of parsed.audience) {
    const account = found.has(href) ? found.get(href) : await accountOfUri(ctx, href, false);
    if (account) audience.push(account.id);
  }
  const inboxOwner = deliveredTo ? await accountOfIdentifier(ctx, deliveredTo) : undefined;
  if (inboxOwner) audience.push(inboxOwner.id);
  return {
    uri: parsed.uri,
    // Mastodon links to the status by its id when it has no url of its own
    url: parsed.url ?? parsed.uri,
    content: parsed.content,
    spoilerText: parsed.spoilerText,
    sensitive: parsed.sensitive,
    language: parsed.language,
    visibility: parsed.visibility,
    published: parsed.published,
    editedAt: parsed.updated,
    parent: await statusByUri(ctx, parsed.inReplyToUri),
    conversationUri: parsed.conversationUri,
    mentionedAccountIds: mentioned,
    audienceAccountIds: audience,
    hashtags: parsed.hashtags,
    emojis: parsed.emojis,
    poll: parsed.poll,
  };
}

/** The JSON an activity arrived as, and its embedded object's, for what Fedify's vocabulary does not model. */
export async function rawObjectOf(activity: Activity): Promise<unknown> {
  const json = await activity.toJsonLd().catch(() => null);
  const object = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).object : undefined;
  return typeof object === 'object' && object !== null && !Array.isArray(object) ? object : undefined;
}
