import { serializeCustomEmoji, type CustomEmojiEntity } from './custom-emoji.ts';
import type { CustomEmojiRow } from '../db/schema.ts';
import type { Account } from './entities.ts';
import type { AccountRow, UserRow } from '../db/schema.ts';
import { ROLES, isRole } from '../lib/user-roles.ts';
import { renderRole } from './role.ts';
import { inlineToHtml, plainToHtml } from '../lib/text/plain-to-html.ts';
import { accountImageUrls, type MediaUrls } from './media-urls.ts';

const dateOnly = (date: Date) => `${date.toISOString().slice(0, 10)}T00:00:00.000Z`;

/**
 * Mastodon's Account entity (REST::AccountSerializer). `moved`: the rendered account this one moved
 * to (never nested further); `emojis`: the custom emoji of its profile (emojisOfAccounts).
 */
export function serializeAccount(urls: MediaUrls, account: AccountRow, user?: Pick<UserRow, 'role'> | null, moved?: Account | null, emojis: CustomEmojiEntity[] = []): Account {
  const suspended = !!account.suspendedAt;
  const acct = account.domain ? `${account.username}@${account.domain}` : account.username;
  const images = accountImageUrls(urls, account);
  const role = user?.role && isRole(user.role) ? ROLES[user.role] : null;
  return {
    id: account.id,
    username: account.username,
    acct,
    display_name: suspended ? '' : account.displayName,
    locked: account.locked,
    bot: account.bot,
    discoverable: account.discoverable,
    indexable: account.indexable,
    group: account.actorType === 'Group',
    created_at: dateOnly(account.createdAt),
    // a remote account's note and field values are HTML already (sanitized when received)
    note: suspended ? '' : account.domain ? account.note : plainToHtml(account.note),
    url: account.url ?? account.uri,
    uri: account.uri,
    avatar: images.avatar,
    avatar_static: images.avatar_static,
    avatar_description: suspended ? '' : account.avatarDescription,
    header: images.header,
    header_static: images.header_static,
    header_description: suspended ? '' : account.headerDescription,
    followers_count: suspended ? 0 : account.followersCount,
    following_count: suspended ? 0 : account.followingCount,
    statuses_count: suspended ? 0 : account.statusesCount,
    last_status_at: account.lastStatusAt ? account.lastStatusAt.toISOString().slice(0, 10) : null,
    hide_collections: account.hideCollections ?? false,
    noindex: account.domain ? undefined : account.noindex,
    emojis: suspended ? [] : emojis,
    roles: role && !account.domain ? [{ id: role.id, name: role.name, color: role.color }] : [],
    fields: suspended ? [] : account.fields.map((field) => ({ name: field.name, value: account.domain ? field.value : inlineToHtml(field.value), verified_at: field.verified_at })),
    ...(suspended ? { suspended: true } : {}),
    ...(account.silencedAt ? { limited: true } : {}),
    ...(account.memorial ? { memorial: true } : {}),
    ...(moved && !suspended ? { moved } : {}),
  };
}

/** The signed-in member's own Account, with `source` and `role` (REST::CredentialAccountSerializer). */
export function serializeCredentialAccount(urls: MediaUrls, account: AccountRow, user: UserRow, followRequestsCount: number, moved?: Account | null, emojis: CustomEmojiEntity[] = []) {
  return {
    ...serializeAccount(urls, account, user, moved, emojis),
    source: {
      privacy: user.settings.default_privacy ?? (account.locked ? 'private' : 'public'),
      sensitive: user.settings.default_sensitive ?? false,
      language: user.settings.default_language ?? null,
      note: account.note,
      fields: account.fields.map((field) => ({ name: field.name, value: field.value, verified_at: field.verified_at })),
      follow_requests_count: followRequestsCount,
      hide_collections: account.hideCollections ?? false,
      discoverable: account.discoverable,
      indexable: account.indexable,
      attribution_domains: [],
    },
    role: renderRole(user.role),
  };
}

/** An account as a loader found it: the row, its user's role, the custom emoji of its profile. */
export interface LoadedAccount {
  account: AccountRow;
  role: string | null;
  emojis: CustomEmojiRow[];
}

/** Mastodon's Account entity for an account of the page, with the account it moved to. */
export function serializeLoadedAccount(urls: MediaUrls, accounts: Map<string, LoadedAccount>, loaded: LoadedAccount): Account {
  const movedTo = loaded.account.movedToAccountId ? accounts.get(loaded.account.movedToAccountId) : undefined;
  const moved = movedTo
    ? serializeAccount(
        urls,
        movedTo.account,
        { role: movedTo.role },
        null,
        movedTo.emojis.map((emoji) => serializeCustomEmoji(urls, emoji)),
      )
    : null;
  return serializeAccount(
    urls,
    loaded.account,
    { role: loaded.role },
    moved,
    loaded.emojis.map((emoji) => serializeCustomEmoji(urls, emoji)),
  );
}
