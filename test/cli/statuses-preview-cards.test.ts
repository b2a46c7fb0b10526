import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { bookmarks, mediaAttachments, previewCards, statuses } from '../../src/db/schema.ts';
import { fabricateFollow, fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/** `subspace statuses remove` and `subspace preview_cards remove`, as tootctl's. */
describe('subspace statuses remove and preview_cards remove', () => {
  let instance: TestInstance;
  let member: TestUser;
  const DAY = 24 * 3600 * 1000;
  const old = new Date(Date.now() - 100 * DAY);
  let uri = 0;

  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    member = await instance.createUser('member');
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, argv);
  const remaining = async (ids: string[]) => (await instance.ctx.db.select({ id: statuses.id }).from(statuses).where(inArray(statuses.id, ids))).map((row) => row.id).sort();
  const remoteStatus = (accountId: string, values: Partial<typeof statuses.$inferInsert> = {}) =>
    fabricateStatus(instance.ctx, accountId, { local: false, uri: `https://remote.example/statuses/${++uri}`, createdAt: old, ...values });

  it('answers --help, and refuses bad arguments', async () => {
    for (const argv of [
      ['statuses', 'remove'],
      ['preview_cards', 'remove'],
    ]) {
      const help = await run(...argv, '--help');
      assert.equal(help.exitCode, 0);
      assert.match(help.stdout, new RegExp(`^Usage:\\n  subspace ${argv.join(' ')}`));
    }
    assert.equal((await run('statuses', 'remove', '--days', 'soon')).exitCode, 2);
    assert.equal((await run('preview_cards', 'remove', 'extra')).exitCode, 2);
  });

  it("statuses remove deletes other servers' old statuses nothing here refers to, with their files, and keeps the rest", async () => {
    const stranger = await fabricateRemoteAccount(instance.ctx);
    const followed = await fabricateRemoteAccount(instance.ctx);
    await fabricateFollow(instance.ctx, member.accountId, followed.id);
    const gone = await remoteStatus(stranger.id);
    const key = `cache/media_attachments/files/${gone.id}/original.png`;
    await instance.ctx.storage.put(key, Buffer.from('png'), 'image/png');
    await instance.ctx.db.insert(mediaAttachments).values({ statusId: gone.id, accountId: stranger.id, type: 'image', fileKey: key, remoteUrl: 'https://remote.example/a.png' });
    const reblogOfGone = await remoteStatus(stranger.id, { reblogOfId: gone.id, uri: `https://remote.example/reblogs/${gone.id}`, createdAt: new Date() });
    const rebloggedByFollowed = await remoteStatus(stranger.id);
    const reblog = await remoteStatus(followed.id, { reblogOfId: rebloggedByFollowed.id, createdAt: new Date() });
    const recent = await remoteStatus(stranger.id, { createdAt: new Date() });
    const byFollowed = await remoteStatus(followed.id);
    const bookmarked = await remoteStatus(stranger.id);
    await instance.ctx.db.insert(bookmarks).values({ accountId: member.accountId, statusId: bookmarked.id });
    const repliedTo = await remoteStatus(stranger.id);
    const reply = await fabricateStatus(instance.ctx, member.accountId, { inReplyToId: repliedTo.id });
    const local = await fabricateStatus(instance.ctx, member.accountId, { createdAt: old });
    const kept = [recent.id, byFollowed.id, bookmarked.id, repliedTo.id, reply.id, local.id, rebloggedByFollowed.id, reblog.id];

    const dry = await run('statuses', 'remove', '--dry-run');
    assert.equal(dry.stdout, 'OK, removed 1 status (DRY RUN)\n');
    assert.equal((await remaining([gone.id])).length, 1);

    const removed = await run('statuses', 'remove');
    assert.equal(removed.exitCode, 0, removed.stderr);
    assert.equal(removed.stdout, 'OK, removed 1 status\n');
    assert.deepEqual(await remaining([gone.id, reblogOfGone.id, ...kept]), [...kept].sort());
    assert.equal(await instance.ctx.storage.head(key), undefined, 'the attachment file went with it');
    assert.equal((await run('statuses', 'remove')).stdout, 'OK, removed 0 statuses\n', 'a second run has nothing left to do');
    assert.equal((await run('statuses', 'remove', '--days', '1')).stdout, 'OK, removed 0 statuses\n');
  });

  it('preview_cards remove drops the images of old cards (of link cards only with --link) and keeps the cards', async () => {
    const card = async (type: string, updatedAt: Date) => {
      const key = `cache/preview_cards/images/${type}-${updatedAt.getTime()}.png`;
      await instance.ctx.storage.put(key, Buffer.from('image'), 'image/png');
      const [row] = await instance.ctx.db
        .insert(previewCards)
        .values({ url: `https://example.com/${type}/${updatedAt.getTime()}`, type, imageFileKey: key, imageFileSize: 5, updatedAt })
        .returning();
      return { id: row!.id, key };
    };
    const oldLink = await card('link', new Date(Date.now() - 200 * DAY));
    const oldVideo = await card('video', new Date(Date.now() - 200 * DAY));
    const fresh = await card('link', new Date());
    const imageOf = async (id: string) => (await instance.ctx.db.select({ key: previewCards.imageFileKey }).from(previewCards).where(eq(previewCards.id, id)))[0]!.key;

    const links = await run('preview_cards', 'remove', '--link');
    assert.equal(links.exitCode, 0, links.stderr);
    assert.equal(links.stdout, 'OK, removed the images of 1 preview card (approx. 5 Bytes)\n');
    assert.equal(await imageOf(oldLink.id), null);
    assert.equal(await instance.ctx.storage.head(oldLink.key), undefined);
    assert.equal(await imageOf(oldVideo.id), oldVideo.key);

    assert.match((await run('preview_cards', 'remove')).stdout, /^OK, removed the images of 1 preview card/);
    assert.equal(await imageOf(oldVideo.id), null);
    assert.equal(await imageOf(fresh.id), fresh.key, 'a recent card keeps its image');
    assert.ok(await instance.ctx.storage.head(fresh.key));
  });
});
