import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { accounts } from '../../db/schema.ts';
import type { AccountImageKind, ProcessedAccountImage } from './account-image-processing.ts';
import { idPartition } from '../media/media-attachments.ts';
import { removeStoredFiles } from '../media/stored-files.ts';
import type { AccountRow } from '../../db/schema.ts';

type AccountValues = Partial<typeof accounts.$inferInsert>;

/** The columns one image is kept in. */
export interface StoredAccountImage {
  fileKey: string;
  staticFileKey: string | null;
  contentType: string;
}

/** Paperclip's path for accounts: `accounts/avatars/<id partition>/<style>/<random>.<ext>` (and `headers`). */
function keyOf(accountId: string, kind: AccountImageKind, style: 'original' | 'static', name: string) {
  return `accounts/${kind}s/${idPartition(accountId)}/${style}/${name}`;
}

/** Writes a processed image under a new name; the caller records it, or removes it if it cannot. */
export async function storeAccountImage(ctx: AppContext, accountId: string, kind: AccountImageKind, image: ProcessedAccountImage): Promise<StoredAccountImage> {
  const name = randomBytes(8).toString('hex');
  const fileKey = keyOf(accountId, kind, 'original', `${name}.${image.extension}`);
  const staticFileKey = image.static ? keyOf(accountId, kind, 'static', `${name}.png`) : null;
  try {
    await ctx.storage.put(fileKey, image.original, image.contentType);
    if (staticFileKey && image.static) await ctx.storage.put(staticFileKey, image.static, 'image/png');
  } catch (error) {
    await deleteAccountImageFiles(ctx, [fileKey, staticFileKey]);
    throw error;
  }
  return { fileKey, staticFileKey, contentType: image.contentType };
}

/** The account columns that record `image` as the account's avatar or header (null: none). */
export function accountImageValues(kind: AccountImageKind, image: StoredAccountImage | null): AccountValues {
  const values = { fileKey: image?.fileKey ?? null, staticFileKey: image?.staticFileKey ?? null, contentType: image?.contentType ?? null };
  return kind === 'avatar'
    ? { avatarFileKey: values.fileKey, avatarStaticFileKey: values.staticFileKey, avatarContentType: values.contentType }
    : { headerFileKey: values.fileKey, headerStaticFileKey: values.staticFileKey, headerContentType: values.contentType };
}

type ImageKeyColumns = Pick<AccountRow, 'avatarFileKey' | 'avatarStaticFileKey' | 'headerFileKey' | 'headerStaticFileKey'>;

/** The stored files of one of an account's images. */
export function accountImageKeys(account: ImageKeyColumns, kind: AccountImageKind): string[] {
  const keys = kind === 'avatar' ? [account.avatarFileKey, account.avatarStaticFileKey] : [account.headerFileKey, account.headerStaticFileKey];
  return keys.filter((key): key is string => !!key);
}

/** Removes files no row names any more (a failure is logged: remove-orphans finds it). */
export async function deleteAccountImageFiles(ctx: AppContext, keys: (string | null)[]) {
  await removeStoredFiles(
    ctx,
    keys.filter((key): key is string => !!key),
    { reason: 'account image replaced' },
  );
}
