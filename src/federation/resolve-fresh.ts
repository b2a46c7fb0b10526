import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts } from '../db/schema.ts';
import { lookupAccount } from '../services/accounts/account-lookup.ts';
import { findAccountByUri } from '../services/activitypub/remote-accounts.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { refreshRemoteAccount, resolveRemoteAccount } from './resolve-account.ts';

const HANDLE = /^@?[A-Za-z0-9_.-]+(@[^@\s]+)?$/;

/**
 * The account a handle names, as AccountAlias and AccountMigration resolve it: a local one, or a
 * remote one fetched again now (`skip_cache`), so its current aliases are the ones checked.
 */
export async function resolveFresh(ctx: AppContext, acct: string): Promise<AccountRow | undefined> {
  const handle = acct.trim().replace(/^@/, '');
  if (!HANDLE.test(handle)) return undefined;
  const started = new Date();
  const found = handle.includes('@') ? await resolveRemoteAccount(ctx, handle) : (await lookupAccount(ctx, handle))?.account;
  if (!found || found.domain === null) return found;
  return fetchedSince(ctx, found, started);
}

/** The remote account as fetched from its server since `started` (now, unless it just was); undefined when that fetch fails. */
async function fetchedSince(ctx: AppContext, account: AccountRow, started: Date): Promise<AccountRow | undefined> {
  if (account.fetchedAt && account.fetchedAt >= started) return account;
  await refreshRemoteAccount(ctx, { accountId: account.id });
  const [fresh] = await ctx.db.select().from(accounts).where(eq(accounts.id, account.id));
  return fresh?.fetchedAt && fresh.fetchedAt >= started ? fresh : undefined;
}

/** A remote account by its actor URI, fetched again now when known (Mastodon's FetchRemoteAccountService for a Move's target). */
export async function refetchAccountByUri(ctx: AppContext, uri: string, resolve: (uri: string) => Promise<AccountRow | undefined>): Promise<AccountRow | undefined> {
  const started = new Date();
  const known = await findAccountByUri(ctx, uri);
  if (known?.domain === null) return known;
  const found = known ?? (await resolve(uri));
  return found ? fetchedSince(ctx, found, started) : undefined;
}
