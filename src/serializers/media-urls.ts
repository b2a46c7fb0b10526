import { baseUrl, type Config } from '../config/index.ts';
import type { Storage } from '../backends/storage/index.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';

/** What turns stored files into URLs: the instance's address and the storage's (local `/system`, or a bucket or CDN). */
export interface MediaUrls {
  config: Config;
  storage: Pick<Storage, 'url'>;
}

/** Mastodon's placeholder images for accounts without an avatar or header. */
export const missingAvatarUrl = (config: Config) => `${baseUrl(config)}/avatars/original/missing.png`;
export const missingHeaderUrl = (config: Config) => `${baseUrl(config)}/headers/original/missing.png`;

export type AccountImageColumns = Pick<
  AccountRow,
  | 'suspendedAt'
  | 'avatarRemoteUrl'
  | 'avatarFileKey'
  | 'avatarStaticFileKey'
  | 'avatarContentType'
  | 'headerRemoteUrl'
  | 'headerFileKey'
  | 'headerStaticFileKey'
  | 'headerContentType'
>;

function imageUrls(urls: MediaUrls, image: { fileKey: string | null; staticFileKey: string | null; contentType: string | null; remoteUrl: string | null }, missing: string) {
  if (image.fileKey) {
    const original = urls.storage.url(image.fileKey);
    // only a GIF has a still first frame of its own (Account::Avatar#avatar_static_url)
    const still = image.contentType === 'image/gif' && image.staticFileKey ? urls.storage.url(image.staticFileKey) : original;
    return { original, still };
  }
  // a remote account's image not stored here is shown from its server
  const original = image.remoteUrl ?? missing;
  return { original, still: original };
}

/**
 * An account's `avatar`, `avatar_static`, `header` and `header_static` (REST::AccountSerializer):
 * the stored files, a remote account's own URLs while they are not stored here, Mastodon's
 * placeholders otherwise and for a suspended account. Reads only the row: no query.
 */
export function accountImageUrls(urls: MediaUrls, account: AccountImageColumns) {
  if (account.suspendedAt) {
    const avatar = missingAvatarUrl(urls.config);
    const header = missingHeaderUrl(urls.config);
    return { avatar, avatar_static: avatar, header, header_static: header };
  }
  const avatar = imageUrls(
    urls,
    { fileKey: account.avatarFileKey, staticFileKey: account.avatarStaticFileKey, contentType: account.avatarContentType, remoteUrl: account.avatarRemoteUrl },
    missingAvatarUrl(urls.config),
  );
  const header = imageUrls(
    urls,
    { fileKey: account.headerFileKey, staticFileKey: account.headerStaticFileKey, contentType: account.headerContentType, remoteUrl: account.headerRemoteUrl },
    missingHeaderUrl(urls.config),
  );
  return { avatar: avatar.original, avatar_static: avatar.still, header: header.original, header_static: header.still };
}

/** The avatar alone, as `/oauth/userinfo`'s `picture`. */
export const avatarUrl = (urls: MediaUrls, account: AccountImageColumns) => accountImageUrls(urls, account).avatar;
