import assert from 'node:assert/strict';
import type { AppContext } from '../../src/context.ts';
import { type AccountRow, accounts, follows, type StatusRow, statuses } from '../../src/db/schema.ts';
import type { TestInstance, TestUser } from './instance.ts';

// Records made by direct row inserts (as GoToSocial's testrig and Mastodon's fabricators make
// them), for a test's setting; what the test checks goes through the HTTP interface.

let sequence = 0;

/** A remote account (`name@remote.example` unless given), stored as if fetched from its server. */
export async function fabricateRemoteAccount(ctx: AppContext, values: Partial<typeof accounts.$inferInsert> = {}): Promise<AccountRow> {
  const username = values.username ?? `remote${++sequence}`;
  const domain = values.domain ?? 'remote.example';
  const [row] = await ctx.db
    .insert(accounts)
    .values({ username, domain, uri: `https://${domain}/users/${username}`, ...values })
    .returning();
  return row!;
}

/** A status of `accountId`, public unless said otherwise. */
export async function fabricateStatus(ctx: AppContext, accountId: string, values: Partial<typeof statuses.$inferInsert> = {}): Promise<StatusRow> {
  const [row] = await ctx.db
    .insert(statuses)
    .values({ accountId, visibility: 'public', ...values })
    .returning();
  return row!;
}

/** `followerId` follows `targetId` (no request, no notification, no feed merge); already following is fine. */
export async function fabricateFollow(ctx: AppContext, followerId: string, targetId: string): Promise<void> {
  await ctx.db.insert(follows).values({ accountId: followerId, targetAccountId: targetId }).onConflictDoNothing();
}

/** The id of the remote account a handle names, resolved (fetched over WebFinger) by a member's search. */
export async function resolveRemoteAccount(instance: TestInstance, user: TestUser, handle: string): Promise<string> {
  const found = await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${handle}`)}&resolve=true&type=accounts`, { token: user.token });
  assert.equal(found.body?.accounts?.length, 1, found.text);
  return found.body.accounts[0].id;
}
