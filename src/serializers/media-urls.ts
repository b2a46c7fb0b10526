import { baseUrl, type Config } from '../config/index.ts';

/** Mastodon's placeholder images for accounts without an avatar or header. */
export function avatarUrl(config: Config, account: { avatarRemoteUrl: string | null }): string {
  return account.avatarRemoteUrl ?? `${baseUrl(config)}/avatars/original/missing.png`;
}

export function headerUrl(config: Config, account: { headerRemoteUrl: string | null }): string {
  return account.headerRemoteUrl ?? `${baseUrl(config)}/headers/original/missing.png`;
}
