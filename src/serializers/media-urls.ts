import type { Storage } from '../backends/storage/index.ts';
import { baseUrl, type Config } from '../config/index.ts';

/** What rendering media URLs needs: the instance's own address (placeholders, the media proxy) and the storage holding the files. */
export interface MediaUrlContext {
  config: Config;
  storage: Storage;
}

/**
 * An account's avatar as Mastodon renders it (`avatar_original_url`): the stored file (a member's
 * upload, or a remote account's cached copy), else Mastodon's placeholder. A remote avatar not
 * stored (not downloaded yet, refused, from a domain whose media are rejected) is never linked at
 * its origin: Mastodon shows missing.png then too.
 */
export function avatarUrl(ctx: MediaUrlContext, account: { avatarFileKey: string | null }): string {
  return account.avatarFileKey ? ctx.storage.url(account.avatarFileKey) : `${baseUrl(ctx.config)}/avatars/original/missing.png`;
}

/** The still first frame of an animated avatar (`avatar_static`), else the avatar itself. */
export function avatarStaticUrl(ctx: MediaUrlContext, account: { avatarFileKey: string | null; avatarStaticFileKey: string | null }): string {
  return account.avatarFileKey && account.avatarStaticFileKey ? ctx.storage.url(account.avatarStaticFileKey) : avatarUrl(ctx, account);
}

export function headerUrl(ctx: MediaUrlContext, account: { headerFileKey: string | null }): string {
  return account.headerFileKey ? ctx.storage.url(account.headerFileKey) : `${baseUrl(ctx.config)}/headers/original/missing.png`;
}

export function headerStaticUrl(ctx: MediaUrlContext, account: { headerFileKey: string | null; headerStaticFileKey: string | null }): string {
  return account.headerFileKey && account.headerStaticFileKey ? ctx.storage.url(account.headerStaticFileKey) : headerUrl(ctx, account);
}

/** Mastodon's media proxy path, where a remote attachment not cached is fetched on demand (MediaProxyController). */
export function mediaProxyUrl(config: Config, id: string, style: 'original' | 'small'): string {
  return `${baseUrl(config)}/media_proxy/${id}/${style}`;
}
