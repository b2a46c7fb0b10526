import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { homeFeed, listFeed } from '../../src/backends/feeds/index.ts';
import { favourites, lists, notifications, oauthAccessGrants, oauthAccessTokens, oauthApplications, previewCards, statuses, users } from '../../src/db/schema.ts';
import { runVacuum, VACUUMS } from '../../src/jobs/scheduler/vacuum-scheduler.ts';
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
    assert.deepEqual(
      VACUUMS.map(([name]) => name),
      ['statuses', 'media attachments', 'preview cards', 'access tokens', 'feeds', 'applications'],
    );
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
});
