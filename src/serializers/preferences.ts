import type { AccountRow, UserRow } from '../db/schema.ts';
import { isLanguageCode } from '../lib/languages.ts';

/** Settings Mastodon keeps that the schema's UserSettings does not name yet. */
type ExtraSettings = { auto_play_gif?: boolean };

/** The language a member's posts default to: their choice, else their interface language, else English. */
function postingLanguage(user: UserRow): string {
  const chosen = user.settings.default_language;
  if (chosen) return chosen;
  const interfaceLanguage = user.locale?.split(/[-_]/)[0]?.toLowerCase();
  return interfaceLanguage && isLanguageCode(interfaceLanguage) ? interfaceLanguage : 'en';
}

/** Mastodon's Preferences entity (REST::PreferencesSerializer). */
export function serializePreferences(account: AccountRow, user: UserRow) {
  const settings = user.settings as UserRow['settings'] & ExtraSettings;
  return {
    'posting:default:visibility': settings.default_privacy ?? (account.locked ? 'private' : 'public'),
    'posting:default:sensitive': settings.default_sensitive ?? false,
    'posting:default:language': postingLanguage(user),
    'reading:expand:media': settings.expand_media ?? 'default',
    'reading:expand:spoilers': settings.expand_spoilers ?? false,
    'reading:autoplay:gifs': settings.auto_play_gif ?? false,
  };
}
