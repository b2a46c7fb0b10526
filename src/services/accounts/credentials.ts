import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, users, type ProfileField, type UserSettings } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { DistributeActorUpdate } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ACCOUNT_IMAGE_LIMITS, processAccountImage, type AccountImageKind, type ProcessedAccountImage } from './account-image-processing.ts';
import { accountImageKeys, accountImageValues, deleteAccountImageFiles, storeAccountImage, type StoredAccountImage } from './account-images.ts';
import { isLanguageCode } from '../statuses/languages.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';

import { PROFILE_LIMITS } from '../../lib/instance-limits.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
export { PROFILE_LIMITS };

/** the default privacies a member may choose (Mastodon does not allow direct as a default) */
export const POST_PRIVACIES = ['public', 'unlisted', 'private'] as const;
type Privacy = (typeof POST_PRIVACIES)[number];

/** What `PATCH /api/v1/accounts/update_credentials` may change; absent keys stay as they are. */
export interface CredentialsUpdate {
  displayName?: string;
  note?: string;
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean | null;
  indexable?: boolean;
  /** the profile page kept out of search engines (Mastodon's `noindex` user setting; the privacy page sets it) */
  noindex?: boolean;
  hideCollections?: boolean | null;
  fields?: { name: string; value: string }[];
  /** an uploaded file's bytes, or null to remove the image (Paperclip's `avatar = nil`) */
  avatar?: Buffer | null;
  header?: Buffer | null;
  avatarDescription?: string;
  headerDescription?: string;
  source?: {
    privacy?: string;
    sensitive?: boolean;
    language?: string | null;
  };
}

/** Mastodon's CredentialAccount counts at most 40 pending follow requests. */
export async function followRequestsCount(ctx: AppContext, accountId: string): Promise<number> {
  const [row] = await queryRows<{ count: string | number }>(ctx.db, sql`SELECT count(*) AS count FROM (SELECT 1 FROM follow_requests WHERE target_account_id = ${accountId} LIMIT 40) AS pending`);
  return Number(row?.count ?? 0);
}

type Details = Record<string, { error: string; description: string }[]>;

/** Length in characters (code points), as Ruby counts them. */
const length = (text: string) => [...text].length;

/**
 * Validates every change first and then writes them all in one transaction, so an invalid request
 * changes nothing. Profile fields keep their verification when their value is unchanged.
 */
export async function updateCredentials(ctx: AppContext, current: { account: AccountRow; user: UserRow }, changes: CredentialsUpdate): Promise<{ account: AccountRow; user: UserRow }> {
  const details: Details = {};
  const messages: string[] = [];
  const fail = (field: string, human: string, error: string, description: string) => {
    (details[field] ??= []).push({ error, description });
    messages.push(`${human} ${description}`);
  };

  const displayName = changes.displayName?.trim();
  if (displayName !== undefined && length(displayName) > PROFILE_LIMITS.displayName) {
    fail('display_name', 'Display name', 'ERR_TOO_LONG', `is too long (maximum is ${PROFILE_LIMITS.displayName} characters)`);
  }
  const note = changes.note?.trim();
  if (note !== undefined && length(note) > PROFILE_LIMITS.note) {
    fail('note', 'Note', 'ERR_TOO_LONG', `is too long (maximum is ${PROFILE_LIMITS.note} characters)`);
  }

  let fields: ProfileField[] | undefined;
  if (changes.fields) {
    const given = changes.fields.map((field) => ({ name: field.name.trim(), value: field.value.trim() })).filter((field) => field.name !== '' || field.value !== '');
    if (given.length > PROFILE_LIMITS.fields) {
      fail('fields', 'Fields', 'ERR_TOO_LONG', `is too long (maximum is ${PROFILE_LIMITS.fields} fields)`);
    }
    if (given.some((field) => length(field.name) > PROFILE_LIMITS.fieldName)) {
      fail('fields', 'Fields', 'ERR_TOO_LONG', `name is too long (maximum is ${PROFILE_LIMITS.fieldName} characters)`);
    }
    if (given.some((field) => length(field.value) > PROFILE_LIMITS.fieldValue)) {
      fail('fields', 'Fields', 'ERR_TOO_LONG', `value is too long (maximum is ${PROFILE_LIMITS.fieldValue} characters)`);
    }
    if (given.some((field) => field.name === '' && field.value !== '')) {
      fail('fields', 'Fields', 'ERR_INVALID', 'contains values with missing labels');
    }
    fields = given.map((field) => {
      const previous = current.account.fields.find((old) => old.value === field.value && old.verified_at);
      return { name: field.name, value: field.value, verified_at: previous?.verified_at ?? null };
    });
  }

  for (const [field, human, description] of [
    ['avatar_description', 'Avatar description', changes.avatarDescription],
    ['header_description', 'Header description', changes.headerDescription],
  ] as const) {
    if (description !== undefined && length(description) > ACCOUNT_IMAGE_LIMITS.descriptionLimit) {
      fail(field, human, 'ERR_TOO_LONG', `is too long (maximum is ${ACCOUNT_IMAGE_LIMITS.descriptionLimit} characters)`);
    }
  }

  const source = changes.source;
  if (source?.privacy !== undefined && !(POST_PRIVACIES as readonly string[]).includes(source.privacy)) {
    fail('source[privacy]', 'Default privacy', 'ERR_INCLUSION', 'is not included in the list');
  }
  if (source?.language && !isLanguageCode(source.language)) {
    fail('source[language]', 'Default language', 'ERR_INCLUSION', 'is not included in the list');
  }
  if (messages.length > 0) throw validationFailed(messages, details);

  const accountChanges: Partial<typeof accounts.$inferInsert> = {};
  if (displayName !== undefined) accountChanges.displayName = displayName;
  if (note !== undefined) accountChanges.note = note;
  if (fields !== undefined) accountChanges.fields = fields;
  if (changes.locked !== undefined) accountChanges.locked = changes.locked;
  if (changes.bot !== undefined) accountChanges.bot = changes.bot;
  if (changes.discoverable !== undefined) accountChanges.discoverable = changes.discoverable;
  if (changes.indexable !== undefined) accountChanges.indexable = changes.indexable;
  if (changes.noindex !== undefined) accountChanges.noindex = changes.noindex;
  if (changes.hideCollections !== undefined) accountChanges.hideCollections = changes.hideCollections;
  if (changes.avatarDescription !== undefined) accountChanges.avatarDescription = changes.avatarDescription;
  if (changes.headerDescription !== undefined) accountChanges.headerDescription = changes.headerDescription;

  let settings: UserSettings | undefined;
  if (source && (source.privacy !== undefined || source.sensitive !== undefined || source.language !== undefined)) {
    settings = { ...current.user.settings };
    if (source.privacy !== undefined) settings.default_privacy = source.privacy as Privacy;
    if (source.sensitive !== undefined) settings.default_sensitive = source.sensitive;
    if (source.language !== undefined) settings.default_language = source.language || null;
  }

  // the files are processed and written before the row changes, and removed again if it cannot
  const images = await processImages(changes);
  const stored = new Map<AccountImageKind, StoredAccountImage | null>();
  let updated: { account: AccountRow; user: UserRow; replacedKeys: string[] };
  try {
    for (const [kind, image] of images) {
      const file = image && (await storeAccountImage(ctx, current.account.id, kind, image));
      stored.set(kind, file);
      Object.assign(accountChanges, accountImageValues(kind, file));
    }
    updated = await ctx.db.transaction(async (tx) => {
      let account = current.account;
      let user = current.user;
      let replacedKeys: string[] = [];
      if (stored.size > 0) {
        // the files this change replaces, read under the row's lock so that concurrent changes each remove what they replaced
        const [before] = await tx.select().from(accounts).where(eq(accounts.id, current.account.id)).for('update');
        replacedKeys = before ? [...stored.keys()].flatMap((kind) => accountImageKeys(before, kind)) : [];
      }
      if (Object.keys(accountChanges).length > 0) {
        [account] = await tx
          .update(accounts)
          .set({ ...accountChanges, updatedAt: new Date() })
          .where(eq(accounts.id, current.account.id))
          .returning();
      }
      if (settings) {
        [user] = await tx.update(users).set({ settings, updatedAt: new Date() }).where(eq(users.id, current.user.id)).returning();
      }
      return { account: account!, user: user!, replacedKeys };
    });
  } catch (error) {
    await deleteAccountImageFiles(
      ctx,
      [...stored.values()].flatMap((file) => (file ? [file.fileKey, file.staticFileKey] : [])),
    );
    throw error;
  }
  await forgetAccounts(ctx, [updated.account.id]);
  await deleteAccountImageFiles(ctx, updated.replacedKeys);
  // other servers learn of the new profile from an Update (Mastodon's UpdateDistributionWorker)
  if (Object.keys(accountChanges).length > 0) {
    await enqueue(ctx, DistributeActorUpdate, { accountId: updated.account.id });
    await triggerWebhook(ctx, 'account.updated', updated.account.id);
  }
  return { account: updated.account, user: updated.user };
}

/** The avatar and header asked for, processed (null: to be removed); a bad file refuses the whole change. */
async function processImages(changes: CredentialsUpdate): Promise<Map<AccountImageKind, ProcessedAccountImage | null>> {
  const images = new Map<AccountImageKind, ProcessedAccountImage | null>();
  for (const kind of ['avatar', 'header'] as const) {
    const bytes = changes[kind];
    if (bytes !== undefined) images.set(kind, bytes && (await processAccountImage(kind, bytes)));
  }
  return images;
}
