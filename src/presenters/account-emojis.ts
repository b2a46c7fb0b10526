import type { AppContext } from '../context.ts';
import { customEmojisInTexts, type CustomEmojiRow } from '../services/emojis/custom-emojis.ts';
import type { AccountRow } from '../db/schema.ts';
import { serializeCustomEmoji, type CustomEmojiEntity } from '../serializers/custom-emoji.ts';

type ProfileTexts = Pick<AccountRow, 'id' | 'domain' | 'displayName' | 'note' | 'fields' | 'suspendedAt'>;

/** What Mastodon's Account#emojifiable_text scans: the bio, the display name and the fields' names and values. */
const profileTexts = (account: ProfileTexts) => [account.note, account.displayName, ...account.fields.flatMap((field) => [field.name, field.value])];

/** The custom emoji each profile uses (its own server's), keyed by account id; a suspended account shows none. */
export async function emojiRowsOfAccounts(ctx: AppContext, accounts: readonly ProfileTexts[]): Promise<Map<string, CustomEmojiRow[]>> {
  const shown = accounts.filter((account) => !account.suspendedAt);
  return customEmojisInTexts(
    ctx,
    shown.map((account) => ({ key: account.id, texts: profileTexts(account), domain: account.domain })),
  );
}

/** The `emojis` of each Account entity, keyed by account id. */
export async function emojisOfAccounts(ctx: AppContext, accounts: readonly ProfileTexts[]): Promise<Map<string, CustomEmojiEntity[]>> {
  const found = await emojiRowsOfAccounts(ctx, accounts);
  return new Map([...found].map(([id, emojis]) => [id, emojis.map((emoji) => serializeCustomEmoji(ctx, emoji))]));
}
