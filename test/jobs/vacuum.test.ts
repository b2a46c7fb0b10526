import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { homeFeed, listFeed } from '../../src/backends/feeds/index.ts';
import {
  accounts,
  favourites,
  lists,
  mediaAttachments,
  notificationRequests,
  notifications,
  oauthAccessGrants,
  oauthAccessTokens,
  oauthApplications,
  previewCards,
  statuses,
  users,
} from '../../src/db/schema.ts';
import { NotificationsCleanupScheduler, UserCleanupScheduler } from '../../src/jobs/definitions.ts';
import { runVacuum, VACUUMS } from '../../src/jobs/scheduler/vacuum-scheduler.ts';
import { SCHEDULES } from '../../src/roles/scheduler.ts';
import { cleanUpOldNotifications } from '../../src/services/maintenance/notifications-cleanup.ts';
import { removeDiscardedStatuses, removeUnconfirmedUsers } from '../../src/services/maintenance/user-cleanup.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { fabricateFollow, fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/** Mastodon's Scheduler::VacuumScheduler: each clean-up's effect, with the retention periods set. */
describe('the daily vacuum (Scheduler::VacuumScheduler)', () => {
  let instance: TestInstance;
  let member: TestUser;
  let away: TestUser;
  const DAY = 24 * 3600 * 1000;
  let uri = 0;

  before(async () => {
    instance = await startInstance({ roles: { web: true }, env: { CONTENT_CACHE_RETENTION_PERIOD: '30', MEDIA_CACHE_RETENTION_PERIOD: '7', USER_ACTIVE_DAYS: '7' } });
    member = await instance.createUser('member');
    away = await instance.createUser('away');
  });
  after(() => instance.close());

  const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
  const remoteStatus = (accountId: string, createdAt: Date, values: Partial<typeof statuses.$inferInsert> = {}) =>
    fabricateStatus(instance.ctx, accountId, { local: false, uri: `https://remote.example/statuses/${++uri}`, createdAt, ...values });

  it('runs every part of Mastodon’s vacuum', () => {
    const names = VACUUMS.map(([name]) => name);
    for (const name of ['statuses', 'media attachments', 'preview cards', 'access tokens', 'feeds', 'applications', 'backups', 'imports', 'active days']) assert.ok(names.includes(name), name);
  });

  it('deletes remote statuses past CONTENT_CACHE_RETENTION_PERIOD that no member did anything with, with their notifications', async () => {
    const { db } = instance.ctx;
    const stranger = await fabricateRemoteAccount(instance.ctx);
    const followed = await fabricateRemoteAccount(instance.ctx);
    await fabricateFollow(instance.ctx, member.accountId, followed.id);
    const expired = await remoteStatus(stranger.id, daysAgo(40));
    const byFollowed = await remoteStatus(followed.id, daysAgo(40));
    const favourited = await remoteStatus(stranger.id, daysAgo(40));
    await db.insert(favourites).values({ accountId: member.accountId, statusId: favourited.id });
    const recent = await remoteStatus(stranger.id, daysAgo(10));
    const local = await fabricateStatus(instance.ctx, member.accountId, { createdAt: daysAgo(400) });
    await db.insert(notifications).values({ accountId: member.accountId, fromAccountId: followed.id, type: 'status', statusId: byFollowed.id, createdAt: daysAgo(40) });

    await runVacuum(instance.ctx);

    const left = (
      await db
        .select({ id: statuses.id })
        .from(statuses)
        .where(inArray(statuses.id, [expired.id, byFollowed.id, favourited.id, recent.id, local.id]))
    ).map((row) => row.id);
    assert.deepEqual(left.sort(), [favourited.id, recent.id, local.id].sort());
    assert.equal((await db.select().from(notifications).where(eq(notifications.statusId, byFollowed.id))).length, 0, 'the notification went with its status');
  });

  it('removes the thumbnails of preview cards past MEDIA_CACHE_RETENTION_PERIOD, keeping the cards', async () => {
    const { db, storage } = instance.ctx;
    const card = async (name: string, updatedAt: Date) => {
      const key = `cache/preview_cards/images/${name}.png`;
      await storage.put(key, Buffer.from('image'), 'image/png');
      const [row] = await db
        .insert(previewCards)
        .values({ url: `https://example.com/${name}`, type: 'photo', imageFileKey: key, imageFileSize: 5, updatedAt })
        .returning();
      return { id: row!.id, key };
    };
    const stale = await card('stale', daysAgo(8));
    const fresh = await card('fresh', daysAgo(1));

    await runVacuum(instance.ctx);

    const keyOf = async (id: string) => (await db.select({ key: previewCards.imageFileKey }).from(previewCards).where(eq(previewCards.id, id)))[0]?.key;
    assert.equal(await keyOf(stale.id), null, 'the stale card stays, without its image');
    assert.equal(await storage.head(stale.key), undefined);
    assert.equal(await keyOf(fresh.id), fresh.key);
    assert.ok(await storage.head(fresh.key));
  });

  it('drops the home and list feeds of members inactive for USER_ACTIVE_DAYS, and keeps the active ones’', async () => {
    const { db, feeds } = instance.ctx;
    const [list] = await db.insert(lists).values({ accountId: away.accountId, title: 'friends' }).returning();
    const status = await fabricateStatus(instance.ctx, member.accountId);
    for (const feed of [homeFeed(away.accountId), listFeed(list!.id), homeFeed(member.accountId)]) await feeds.push(feed, status.id, null);
    await db
      .update(users)
      .set({ currentSignInAt: daysAgo(30), createdAt: daysAgo(60) })
      .where(eq(users.accountId, away.accountId));
    await db
      .update(oauthAccessTokens)
      .set({ lastUsedAt: daysAgo(30) })
      .where(eq(oauthAccessTokens.userId, away.userId));
    await db.update(users).set({ currentSignInAt: new Date() }).where(eq(users.accountId, member.accountId));

    await runVacuum(instance.ctx);

    assert.equal(await feeds.exists(homeFeed(away.accountId)), false);
    assert.equal(await feeds.exists(listFeed(list!.id)), false);
    assert.deepEqual(await feeds.ids(homeFeed(member.accountId)), [status.id]);
  });

  it('deletes applications a day old that no one owns and that never got a token or a code', async () => {
    const { db } = instance.ctx;
    const app = (name: string, createdAt: Date) =>
      db
        .insert(oauthApplications)
        .values({ name, uid: `uid-${name}`, secretDigest: 'x', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read', createdAt })
        .returning()
        .then((rows) => rows[0]!);
    const abandoned = await app('abandoned', daysAgo(2));
    const young = await app('young', new Date());
    const withGrant = await app('with-grant', daysAgo(2));
    await db.insert(oauthAccessGrants).values({
      applicationId: withGrant.id,
      userId: member.userId,
      codeDigest: 'grant-digest',
      redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read',
      expiresAt: new Date(Date.now() + 600_000),
    });

    await runVacuum(instance.ctx);

    const left = (
      await db
        .select({ id: oauthApplications.id })
        .from(oauthApplications)
        .where(inArray(oauthApplications.id, [abandoned.id, young.id, withGrant.id]))
    ).map((row) => row.id);
    assert.deepEqual(left.sort(), [young.id, withGrant.id].sort());
  });

  it('removes a member’s notifications of a type past the months kept beyond the newest kept, updating notification requests (NotificationsCleanupScheduler)', async () => {
    assert.equal(SCHEDULES.find((schedule) => schedule.job === NotificationsCleanupScheduler)?.everySeconds, 3600);
    const { db } = instance.ctx;
    const senders = [await fabricateRemoteAccount(instance.ctx), await fabricateRemoteAccount(instance.ctx), await fabricateRemoteAccount(instance.ctx), await fabricateRemoteAccount(instance.ctx)];
    const follow = (index: number, createdAt: Date) => ({ accountId: away.accountId, fromAccountId: senders[index]!.id, type: 'follow', createdAt });
    // follows: four, two of them old; mentions: one old and filtered (held in a request), one recent
    await db.insert(notifications).values([follow(0, daysAgo(400)), follow(1, daysAgo(300)), follow(2, daysAgo(10)), follow(3, daysAgo(1))]);
    const mentioned = await remoteStatus(senders[0]!.id, daysAgo(1));
    await db.insert(notifications).values([
      { accountId: away.accountId, fromAccountId: senders[0]!.id, type: 'mention', statusId: mentioned.id, filtered: true, createdAt: daysAgo(400) },
      { accountId: away.accountId, fromAccountId: senders[1]!.id, type: 'mention', createdAt: daysAgo(1) },
    ]);
    await db.insert(notificationRequests).values({ accountId: away.accountId, fromAccountId: senders[0]!.id, lastStatusId: mentioned.id, notificationsCount: 1 });

    const removed = await cleanUpOldNotifications(instance.ctx, { keepAtLeast: 1, monthsToKeep: 6 });

    assert.equal(removed, 3, 'the two old follows and the old mention');
    const left = await db.select({ type: notifications.type, from: notifications.fromAccountId }).from(notifications).where(eq(notifications.accountId, away.accountId));
    assert.deepEqual(left.map((row) => `${row.type} ${senders.findIndex((sender) => sender.id === row.from)}`).sort(), ['follow 2', 'follow 3', 'mention 1']);
    assert.equal((await db.select().from(notificationRequests).where(eq(notificationRequests.accountId, away.accountId))).length, 0, 'the emptied request went');
    assert.equal(await cleanUpOldNotifications(instance.ctx, { keepAtLeast: 1, monthsToKeep: 6 }), 0, 'nothing left to do');
    assert.equal(await cleanUpOldNotifications(instance.ctx), 0, 'Mastodon’s policy keeps 20,000 of each type');
  });

  it('removes sign-ups unconfirmed a week after their mail, and statuses deleted 30 days ago for good (UserCleanupScheduler)', async () => {
    assert.equal(SCHEDULES.find((schedule) => schedule.job === UserCleanupScheduler)?.everySeconds, 3600);
    const { db, storage } = instance.ctx;
    const signUp = async (username: string, sentAt: Date) => {
      const { account, user } = await createLocalAccount(instance.ctx, { username, email: `${username}@example.com`, password: 'a long password 123', confirmed: false });
      await db.update(users).set({ confirmationSentAt: sentAt }).where(eq(users.id, user.id));
      return account.id;
    };
    const stale = await signUp('stale', daysAgo(8));
    const pending = await signUp('pending', daysAgo(1));

    const deletedLongAgo = await fabricateStatus(instance.ctx, member.accountId, { deletedAt: daysAgo(31) });
    const key = `media_attachments/files/${deletedLongAgo.id}/original/a.png`;
    await storage.put(key, Buffer.from('png'), 'image/png');
    await db.insert(mediaAttachments).values({ statusId: deletedLongAgo.id, accountId: member.accountId, type: 'image', fileKey: key });
    const deletedRecently = await fabricateStatus(instance.ctx, member.accountId, { deletedAt: daysAgo(2) });
    const kept = await fabricateStatus(instance.ctx, member.accountId, { createdAt: daysAgo(400) });

    assert.equal(await removeUnconfirmedUsers(instance.ctx), 1);
    assert.equal(await removeDiscardedStatuses(instance.ctx), 1);

    const left = (
      await db
        .select({ id: accounts.id })
        .from(accounts)
        .where(inArray(accounts.id, [stale, pending, member.accountId]))
    ).map((row) => row.id);
    assert.deepEqual(left.sort(), [pending, member.accountId].sort());
    const statusesLeft = (
      await db
        .select({ id: statuses.id })
        .from(statuses)
        .where(inArray(statuses.id, [deletedLongAgo.id, deletedRecently.id, kept.id]))
    ).map((row) => row.id);
    assert.deepEqual(statusesLeft.sort(), [deletedRecently.id, kept.id].sort());
    assert.equal(await storage.head(key), undefined, 'the attachment file went with it');
    assert.equal((await instance.request('GET', '/api/v1/accounts/lookup?acct=stale')).status, 404);
  });
});
