import { baseUrl, type Config } from '../config/index.ts';

/** Mastodon's placeholder images for accounts without an avatar or header. */
export function avatarUrl(config: Config, account: { avatarUrl: string | null }): string {
  return account.avatarUrl ?? `${baseUrl(config)}/avatars/original/missing.png`;
}

export function headerUrl(config: Config, account: { headerUrl: string | null }): string {
  return account.headerUrl ?? `${baseUrl(config)}/headers/original/missing.png`;
}
