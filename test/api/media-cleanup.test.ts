import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { accounts, customEmojis, mediaAttachments, reports, statuses } from '../../src/db/schema.ts';
import { VacuumScheduler } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { SCHEDULES } from '../../src/roles/scheduler.ts';
import { idPartition } from '../../src/services/media/media-attachments.ts';
import { vacuumMediaAttachments } from '../../src/services/media/media-vacuum.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

describe('media files follow their rows: the vacuum and deletions', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let png: Buffer;
  let n = 0;
  let seq = 0;

  before(async () => {
    remote = await startFakeRemote();
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    // no scheduler: the vacuum runs when a test says so
    instance = await startInstance({
      env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', MEDIA_CACHE_RETENTION_PERIOD: '30' },
      roles: { web: true, worker: { queues: ['default', 'push', 'ingress', 'pull', 'mailers', 'scheduler'], concurrency: 5 } },
    });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const db = () => instance.ctx.db;
  const stored = async (key: string) => !!(await instance.ctx.storage.head(key));
  /** an id made at `at`, as timestamp_id() would have */
  const idAt = (at: Date) => ((BigInt(at.getTime()) << 16n) + BigInt(++seq)).toString();
  const key = (path: string, id: string, style: string) => `${path}/${idPartition(id)}/${style}/${randomBytes(8).toString('hex')}.png`;
  async function put(...keys: string[]) {
    for (const each of keys) await instance.ctx.storage.put(each, png, 'image/png');
    return keys;
  }

  async function upload(user: TestUser): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    const response = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
    const body = (await response.json()) as { id: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    return body.id;
  }
  const mediaRow = async (id: string) => (await db().select().from(mediaAttachments).where(eq(mediaAttachments.id, id)))[0];
  const filesOf = async (id: string) => {
    const row = await mediaRow(id);
    return [row?.fileKey, row?.smallFileKey].filter((value): value is string => !!value);
  };
  const backdate = (id: string, days: number) =>
    db()
      .update(mediaAttachments)
      .set({ createdAt: daysAgo(days) })
      .where(eq(mediaAttachments.id, id));

  /** a cached copy of a remote attachment, as the remote-media cache stores one */
  async function cache(id: string) {
    const [file, small] = await put(key('cache/media_attachments/files', id, 'original'), key('cache/media_attachments/files', id, 'small'));
    await db().update(mediaAttachments).set({ fileKey: file, smallFileKey: small, fileSize: png.length }).where(eq(mediaAttachments.id, id));
    return [file!, small!];
  }
  /** another server's attachment of `statusId`, made (id and created_at) and last updated when given */
  async function remoteMedia(statusId: string | null, made: Date, updated = made, cached = true, accountId = bobId) {
    const id = idAt(made);
    await db()
      .insert(mediaAttachments)
      .values({ id, statusId, accountId, type: 'image', remoteUrl: `${remote.origin}/files/${id}.png`, createdAt: made, updatedAt: updated });
    return { id, files: cached ? await cache(id) : [] };
  }

  const post = async (activity: unknown) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, activity);
    assert.equal(response.status, 202, response.text);
  };
  /** bob's public post with `count` attachments, arrived through the inbox */
  async function bobPosts(count: number) {
    const id = `${remote.actorId}/statuses/cleanup-${++n}`;
    const attachment = Array.from({ length: count }, (_, i) => ({ type: 'Document', mediaType: 'image/png', url: `${remote.origin}/files/${n}-${i}.png` }));
    const object = { id, type: 'Note', attributedTo: remote.actorId, content: `<p>post ${n}</p>`, published: new Date().toISOString(), to: [PUBLIC], cc: [`${remote.actorId}/followers`], attachment };
    await post({ '@context': AS, id: `${id}/activity`, type: 'Create', actor: remote.actorId, to: [PUBLIC], cc: [`${remote.actorId}/followers`], object });
    const status = await until(async () => (await db().select().from(statuses).where(eq(statuses.uri, id)))[0], `status ${id}`);
    const media = await db().select().from(mediaAttachments).where(eq(mediaAttachments.statusId, status.id)).orderBy(mediaAttachments.position);
    assert.equal(media.length, count);
    return { uri: id, status, media };
  }
  const deleteNote = (uri: string) => post({ '@context': AS, id: `${uri}#delete`, type: 'Delete', actor: remote.actorId, to: [PUBLIC], object: { id: uri, type: 'Tombstone' } });
  const deletedAt = (statusId: string) => until(async () => (await db().select().from(statuses).where(eq(statuses.id, statusId)))[0]?.deletedAt, 'the status to be deleted');

  it('runs once a day in the scheduler queue, as Scheduler::VacuumScheduler', async () => {
    assert.ok(SCHEDULES.some((schedule) => schedule.job === VacuumScheduler && schedule.everySeconds === 24 * 3600));
    assert.equal(VacuumScheduler.queue, 'scheduler');
    const orphan = await upload(alice);
    // as a video's would be, a thumbnail too
    const [thumbnail] = await put(key('media_attachments/thumbnails', orphan, 'original'));
    await db().update(mediaAttachments).set({ thumbnailFileKey: thumbnail }).where(eq(mediaAttachments.id, orphan));
    const files = [...(await filesOf(orphan)), thumbnail!];
    await backdate(orphan, 2);
    await enqueue(instance.ctx, VacuumScheduler, {});
    const gone = async (file: string) => !(await stored(file));
    await until(async () => !(await mediaRow(orphan)) && (await Promise.all(files.map(gone))).every(Boolean), 'the job to remove the orphan and its files');
  });

  it('removes uploads unattached for a day and expired cached copies, and nothing else', async () => {
    const { status } = await bobPosts(0);
    // alice's uploads: unattached for two days, unattached for an hour, attached, reserved by a scheduled post, edited out of a post
    const [orphan, fresh, attached, reserved, editedOut] = [await upload(alice), await upload(alice), await upload(alice), await upload(alice), await upload(alice)];
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'with media', media_ids: [attached, editedOut] } });
    assert.equal(posted.status, 200, posted.text);
    const edited = await instance.request('PUT', `/api/v1/statuses/${posted.body.id}`, { token: alice.token, json: { status: 'with less media', media_ids: [attached] } });
    assert.equal(edited.status, 200, edited.text);
    assert.equal((await mediaRow(editedOut))?.statusId, null, 'an edit detaches the upload it drops');
    const scheduledAt = new Date(Date.now() + 3 * DAY).toISOString();
    const scheduled = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'later', media_ids: [reserved], scheduled_at: scheduledAt } });
    assert.equal(scheduled.status, 200, scheduled.text);
    for (const id of [orphan, attached, reserved, editedOut]) await backdate(id, 2);
    const orphanFiles = await filesOf(orphan);
    const keptUploads = [fresh, attached, reserved, editedOut];

    // bob's attachments: cached 40 days ago, cached 40 days ago but refreshed yesterday, cached yesterday, never cached
    const expired = await remoteMedia(status.id, daysAgo(40));
    const refreshed = await remoteMedia(status.id, daysAgo(40), daysAgo(1));
    const recent = await remoteMedia(status.id, daysAgo(1));
    const uncached = await remoteMedia(status.id, daysAgo(40), daysAgo(40), false);
    // avatars, headers and emoji, local and cached, however old, are not the vacuum's
    const aliceAvatar = await put(key('accounts/avatars', alice.accountId, 'original'), key('accounts/headers', alice.accountId, 'original'));
    await db().update(accounts).set({ avatarFileKey: aliceAvatar[0], headerFileKey: aliceAvatar[1] }).where(eq(accounts.id, alice.accountId));
    const bobAvatar = await put(key('cache/accounts/avatars', bobId, 'original'), key('cache/accounts/avatars', bobId, 'static'));
    await db()
      .update(accounts)
      .set({ avatarFileKey: bobAvatar[0], avatarStaticFileKey: bobAvatar[1], updatedAt: daysAgo(60) })
      .where(eq(accounts.id, bobId));
    const localEmoji = idAt(daysAgo(60));
    const remoteEmoji = idAt(daysAgo(60));
    const emojiFiles = await put(key('custom_emojis/images', localEmoji, 'original'), key('cache/custom_emojis/images', remoteEmoji, 'original'));
    await db()
      .insert(customEmojis)
      .values([
        { id: localEmoji, shortcode: 'local_one', imageFileKey: emojiFiles[0], createdAt: daysAgo(60), updatedAt: daysAgo(60) },
        { id: remoteEmoji, shortcode: 'remote_one', domain: remote.host, imageUrl: `${remote.origin}/emoji.png`, imageFileKey: emojiFiles[1], createdAt: daysAgo(60), updatedAt: daysAgo(60) },
      ]);

    // without a retention period, the cache is kept
    const keep = { ...instance.ctx, config: { ...instance.ctx.config, mediaCacheRetentionDays: undefined } };
    assert.deepEqual(await vacuumMediaAttachments(keep), { orphans: 1, uncached: 0 });
    assert.equal(await mediaRow(orphan), undefined);
    for (const file of orphanFiles) assert.equal(await stored(file), false, file);
    assert.ok(await stored(expired.files[0]!));

    assert.deepEqual(await vacuumMediaAttachments(instance.ctx), { orphans: 0, uncached: 1 });
    const cleared = await mediaRow(expired.id);
    assert.equal(cleared?.fileKey, null, 'the row stays, without its files');
    assert.equal(cleared?.smallFileKey, null);
    assert.equal(cleared?.remoteUrl, `${remote.origin}/files/${expired.id}.png`);
    for (const file of expired.files) assert.equal(await stored(file), false, file);
    const shown = await instance.request('GET', `/api/v1/statuses/${status.id}`, { token: alice.token });
    const entity = shown.body.media_attachments.find((media: { id: string }) => media.id === expired.id);
    assert.equal(entity.url, `${BASE}/media_proxy/${expired.id}/original`, 'shown through the media proxy, which fetches it again');
    assert.equal(entity.remote_url, `${remote.origin}/files/${expired.id}.png`);

    for (const id of keptUploads) {
      assert.ok(await mediaRow(id), `upload ${id} stays`);
      for (const file of await filesOf(id)) assert.ok(await stored(file), file);
    }
    for (const media of [refreshed, recent]) {
      assert.equal((await mediaRow(media.id))?.fileKey, media.files[0]);
      for (const file of media.files) assert.ok(await stored(file), file);
    }
    assert.ok(await mediaRow(uncached.id), 'an attachment never cached stays as it is');
    for (const file of [...aliceAvatar, ...bobAvatar, ...emojiFiles]) assert.ok(await stored(file), file);
    // the history of the edited post still shows what it had
    const history = await instance.request('GET', `/api/v1/statuses/${posted.body.id}/history`, { token: alice.token });
    assert.deepEqual(
      history.body.map((revision: { media_attachments: { id: string }[] }) => revision.media_attachments.map((media) => media.id)),
      [[attached, editedOut], [attached]],
    );
  });

  it('can run in two processes at once: each file is removed and counted once', async () => {
    const { status } = await bobPosts(0);
    const orphans = [await upload(alice), await upload(alice), await upload(alice)];
    for (const id of orphans) await backdate(id, 3);
    const expired = [await remoteMedia(status.id, daysAgo(31)), await remoteMedia(status.id, daysAgo(45))];
    const results = await Promise.all([vacuumMediaAttachments(instance.ctx), vacuumMediaAttachments(instance.ctx)]);
    assert.equal(results[0]!.orphans + results[1]!.orphans, 3);
    assert.equal(results[0]!.uncached + results[1]!.uncached, 2);
    assert.deepEqual(await db().select().from(mediaAttachments).where(inArray(mediaAttachments.id, orphans)), []);
    for (const media of expired) for (const file of media.files) assert.equal(await stored(file), false, file);
  });

  it('a deleted remote status takes its attachments and their files along, unless it is reported', async () => {
    const plain = await bobPosts(2);
    const plainFiles = await cache(plain.media[0]!.id);
    const reported = await bobPosts(1);
    const reportedFiles = await cache(reported.media[0]!.id);
    await db()
      .insert(reports)
      .values({ accountId: alice.accountId, targetAccountId: bobId, statusIds: [reported.status.id] });

    await deleteNote(plain.uri);
    await deleteNote(reported.uri);
    await deletedAt(plain.status.id);
    await deletedAt(reported.status.id);
    assert.deepEqual(await db().select().from(mediaAttachments).where(eq(mediaAttachments.statusId, plain.status.id)), []);
    for (const file of plainFiles) assert.equal(await stored(file), false, file);
    assert.equal((await mediaRow(reported.media[0]!.id))?.fileKey, reportedFiles[0], 'kept for the moderators');
    for (const file of reportedFiles) assert.ok(await stored(file), file);
  });

  it('a local status deleted leaves its uploads unattached, for delete-and-redraft', async () => {
    const id = await upload(alice);
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'soon gone', media_ids: [id] } });
    assert.equal((await instance.request('DELETE', `/api/v1/statuses/${posted.body.id}`, { token: alice.token })).status, 200);
    assert.equal((await mediaRow(id))?.statusId, null);
    for (const file of await filesOf(id)) assert.ok(await stored(file), file);
  });

  it('a local account deleted takes its uploads, avatar and header out of storage', async () => {
    const carol = await instance.createUser('carol');
    const attached = await upload(carol);
    const unattached = await upload(carol);
    assert.equal((await instance.request('POST', '/api/v1/statuses', { token: carol.token, json: { status: 'mine', media_ids: [attached] } })).status, 200);
    const profile = await put(key('accounts/avatars', carol.accountId, 'original'), key('accounts/headers', carol.accountId, 'original'));
    await db().update(accounts).set({ avatarFileKey: profile[0], headerFileKey: profile[1] }).where(eq(accounts.id, carol.accountId));
    const files = [...(await filesOf(attached)), ...(await filesOf(unattached)), ...profile];
    assert.equal(files.length, 6);

    const deleted = await runAdminCommand(instance.ctx, ['accounts', 'delete', 'carol']);
    assert.equal(deleted.exitCode, 0, deleted.stderr);
    for (const file of files) assert.equal(await stored(file), false, file);
    assert.deepEqual(
      await db()
        .select()
        .from(mediaAttachments)
        .where(inArray(mediaAttachments.id, [attached, unattached])),
      [],
    );
  });

  it('a storage failure does not fail the deletion: the row goes, the file waits for remove-orphans', async () => {
    const id = await upload(alice);
    const files = await filesOf(id);
    const storage = instance.ctx.storage;
    const original = storage.delete;
    storage.delete = async () => {
      throw new Error('storage is down');
    };
    try {
      const response = await instance.request('DELETE', `/api/v1/media/${id}`, { token: alice.token });
      assert.equal(response.status, 200, response.text);
    } finally {
      storage.delete = original;
    }
    assert.equal(await mediaRow(id), undefined);
    for (const file of files) assert.ok(await stored(file), file);
  });

  it('a domain whose media is rejected loses its cached media (its subdomains too); other servers keep theirs', async () => {
    const server = async (username: string, domain: string) => {
      const [account] = await db()
        .insert(accounts)
        .values({ username, domain, uri: `https://${domain}/users/${username}` })
        .returning();
      const profile = await put(key('cache/accounts/avatars', account!.id, 'original'), key('cache/accounts/headers', account!.id, 'original'));
      await db().update(accounts).set({ avatarFileKey: profile[0], headerFileKey: profile[1] }).where(eq(accounts.id, account!.id));
      const media = await remoteMedia(null, daysAgo(1), daysAgo(1), true, account!.id);
      const emojiId = idAt(daysAgo(1));
      const [emoji] = await put(key('cache/custom_emojis/images', emojiId, 'original'));
      await db()
        .insert(customEmojis)
        .values({ id: emojiId, shortcode: `blob_${username}`, domain, imageUrl: `https://${domain}/emoji.png`, imageFileKey: emoji });
      return { accountId: account!.id, mediaId: media.id, emojiId, files: [...profile, ...media.files, emoji!] };
    };
    const spammer = await server('spammer', 'spam.example');
    const sub = await server('sub', 'media.spam.example:8443');
    const friend = await server('friend', 'friendly.example');

    const blocked = await runAdminCommand(instance.ctx, ['domains', 'block', 'spam.example', '--severity', 'noop', '--reject-media']);
    assert.equal(blocked.exitCode, 0, blocked.stderr);
    const gone = async (file: string) => !(await stored(file));
    await until(async () => (await Promise.all([...spammer.files, ...sub.files].map(gone))).every(Boolean), 'the blocked domain’s files to be removed');
    for (const file of friend.files) assert.ok(await stored(file), file);
    for (const blockedServer of [spammer, sub]) {
      const [account] = await db().select().from(accounts).where(eq(accounts.id, blockedServer.accountId));
      assert.deepEqual([account?.avatarFileKey, account?.headerFileKey], [null, null]);
      const media = await mediaRow(blockedServer.mediaId);
      assert.deepEqual([media?.fileKey, media?.type], [null, 'unknown'], 'the attachment stays, uncached, as a link');
      assert.deepEqual(await db().select().from(customEmojis).where(eq(customEmojis.id, blockedServer.emojiId)), [], 'the emoji is removed');
    }
  });

  it('a remote account deleted by its server loses its cached media, avatar and header (but reported media)', async () => {
    const { media } = await bobPosts(1);
    const attachmentFiles = await cache(media[0]!.id);
    const profile = await put(key('cache/accounts/avatars', bobId, 'original'), key('cache/accounts/headers', bobId, 'original'), key('cache/accounts/headers', bobId, 'static'));
    await db().update(accounts).set({ avatarFileKey: profile[0], headerFileKey: profile[1], headerStaticFileKey: profile[2] }).where(eq(accounts.id, bobId));

    await post({ '@context': AS, id: `${remote.actorId}#delete`, type: 'Delete', actor: remote.actorId, to: [PUBLIC], object: remote.actorId });
    await until(async () => (await db().select().from(accounts).where(eq(accounts.id, bobId)))[0]?.suspendedAt, 'bob to be suspended');
    const gone = async (file: string) => !(await stored(file));
    await until(async () => (await Promise.all([...attachmentFiles, ...profile].map(gone))).every(Boolean), 'its files to be removed');
    const [bob] = await db().select().from(accounts).where(eq(accounts.id, bobId));
    assert.equal(bob?.avatarFileKey, null);
    assert.equal(bob?.headerFileKey, null);
    assert.equal(bob?.headerStaticFileKey, null);
    assert.equal(await mediaRow(media[0]!.id), undefined);
    const left = await db().select().from(mediaAttachments).where(eq(mediaAttachments.accountId, bobId));
    assert.ok(left.length > 0 && left.every((row) => row.statusId !== null), 'only the reported status’s media stay');
    const [reported] = await db().select().from(reports).where(eq(reports.targetAccountId, bobId));
    assert.ok(left.every((row) => reported!.statusIds.includes(row.statusId!)));
    for (const row of left) if (row.fileKey) assert.ok(await stored(row.fileKey), row.fileKey);
  });
});
