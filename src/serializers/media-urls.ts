import type { Storage } from '../backends/storage/index.ts';
import { baseUrl, type Config } from '../config/index.ts';
import type { AccountRow } from '../db/schema.ts';

/** What turns stored files into URLs: the instance's address and the storage's (local `/system`, or a bucket or CDN). */
export interface MediaUrls {
  config: Config;
  storage: Pick<Storage, 'url'>;
}

/** Mastodon's placeholder images for accounts without an avatar or header. */
export const missingAvatarUrl = (config: Config) => `${baseUrl(config)}/avatars/original/missing.png`;
export const missingHeaderUrl = (config: Config) => `${baseUrl(config)}/headers/original/missing.png`;

export type AccountImageColumns = Pick<AccountRow, 'suspendedAt' | 'avatarFileKey' | 'avatarStaticFileKey' | 'avatarContentType' | 'headerFileKey' | 'headerStaticFileKey' | 'headerContentType'>;

function imageUrls(urls: MediaUrls, image: { fileKey: string | null; staticFileKey: string | null; contentType: string | null }, missing: string) {
  if (image.fileKey) {
    const original = urls.storage.url(image.fileKey);
    // only a GIF has a still first frame of its own (Account::Avatar#avatar_static_url)
    const still = image.contentType === 'image/gif' && image.staticFileKey ? urls.storage.url(image.staticFileKey) : original;
    return { original, still };
  }
  // a remote account's image not stored here (not downloaded yet, refused, from a domain whose
  // media are rejected) is never linked at its origin: Mastodon shows its placeholder then too
  return { original: missing, still: missing };
}

/**
 * An account's `avatar`, `avatar_static`, `header` and `header_static` (REST::AccountSerializer):
 * the stored files (a member's upload, or a remote account's cached copy), Mastodon's
 * placeholders otherwise and for a suspended account. Reads only the row: no query.
 */
export function accountImageUrls(urls: MediaUrls, account: AccountImageColumns) {
  if (account.suspendedAt) {
    const avatar = missingAvatarUrl(urls.config);
    const header = missingHeaderUrl(urls.config);
    return { avatar, avatar_static: avatar, header, header_static: header };
  }
  const avatar = imageUrls(urls, { fileKey: account.avatarFileKey, staticFileKey: account.avatarStaticFileKey, contentType: account.avatarContentType }, missingAvatarUrl(urls.config));
  const header = imageUrls(urls, { fileKey: account.headerFileKey, staticFileKey: account.headerStaticFileKey, contentType: account.headerContentType }, missingHeaderUrl(urls.config));
  return { avatar: avatar.original, avatar_static: avatar.still, header: header.original, header_static: header.still };
}

/** Mastodon's media proxy path, where a remote attachment not cached is fetched on demand (MediaProxyController). */
export function mediaProxyUrl(config: Config, id: string, style: 'original' | 'small'): string {
  return `${baseUrl(config)}/media_proxy/${id}/${style}`;
}

/** The avatar alone, as `/oauth/userinfo`'s `picture`. */
export const avatarUrl = (urls: MediaUrls, account: AccountImageColumns) => accountImageUrls(urls, account).avatar;
