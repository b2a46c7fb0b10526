import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Image } from '@fedify/vocab';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { terminalProgress, type Progress } from '../../src/cli/progress.ts';
import { sendCommand } from '../../src/cli/remote.ts';
import { startControlSocket } from '../../src/roles/control-socket.ts';
import { accounts, customEmojis, domainBlocks, type MediaAttachmentRow, mediaAttachments, statuses } from '../../src/db/schema.ts';
import type { ApiError } from '../../src/lib/errors.ts';
import { invalidateDomainPolicy } from '../../src/services/moderation/instance-domain-blocks.ts';
import { attachableMedia, attachedMediaIds, detachMedia, findOwnMedia } from '../../src/services/media/media-attachments.ts';
import { uncacheAttachments } from '../../src/services/activitypub/remote-media-cache.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fetchStoredFile, storedUrlPattern } from '../helpers/stored-files.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

/*
 * Remote media cached as Mastodon caches it, from a server that is not Subspace: a Mastodon-shaped
 * Note (a Document with alt text, blurhash and focal point, an Emoji tag) by an actor with an icon
 * and a header, files served by the peer, which records every request it gets.
 */

// Mastodon's own context for what Note, Document and Emoji carry
const CONTEXT = [
  AS,
  'https://w3id.org/security/v1',
  { toot: 'http://joinmastodon.org/ns#', Emoji: 'toot:Emoji', blurhash: 'toot:blurhash', focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' }, sensitive: 'as:sensitive' },
];
const BLURHASH = 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH';

/** A JPEG with EXIF (camera make and GPS position), as a phone writes it. */
function photoWithGps(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .withExif({ IFD0: { Make: 'PeerPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
    .jpeg()
    .toBuffer();
}

const png = (width: number, height: number, colour: { r: number; g: number; b: number }) =>
  sharp({ create: { width, height, channels: 4, background: { ...colour, alpha: 1 } } })
    .png()
    .toBuffer();

describe('remote media cached from a Mastodon-like server', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let n = 0;
  const files = new Map<string, { type: string; bytes: Buffer }>();

  const fileUrl = (name: string) => `${remote.origin}/system/media/${name}`;
  const requestsFor = (name: string) => remote.received.filter((line) => line === `GET /system/media/${name}`).length;
  /** the peer serves `bytes` at fileUrl(name) */
  const serveFile = (name: string, bytes: Buffer, type = 'image/jpeg') => {
    files.set(name, { type, bytes });
    remote.route(`/system/media/${name}`, (_req, res) => {
      const file = files.get(name)!;
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length }).end(file.bytes);
    });
  };

  before(async () => {
    remote = await startFakeRemote();
    serveFile('avatar.png', await png(800, 800, { r: 250, g: 0, b: 0 }), 'image/png');
    serveFile('header.jpg', await photoWithGps(1600, 600));
    await remote.setActor({
      name: 'Bob',
      icon: new Image({ url: new URL(fileUrl('avatar.png')), mediaType: 'image/png' }),
      image: new Image({ url: new URL(fileUrl('header.jpg')), mediaType: 'image/jpeg' }),
    });
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    await instance?.close();
    await remote?.close();
  });

  const note = (attachment: unknown[], extra: Record<string, unknown> = {}) => {
    const id = `${remote.actorId}/statuses/${100 + ++n}`;
    return {
      id,
      type: 'Note',
      attributedTo: remote.actorId,
      content: `<p>media ${n}</p>`,
      published: new Date().toISOString(),
      url: `${remote.origin}/@bob/${100 + n}`,
      to: [PUBLIC],
      cc: [`${remote.actorId}/followers`],
      sensitive: false,
      attachment,
      tag: [],
      ...extra,
    };
  };
  // as Mastodon sends one: with its blurhash, which is kept (encoding one here is slow)
  const document = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'Document', mediaType: 'image/jpeg', url: fileUrl(name), name: null, blurhash: BLURHASH, ...extra });
  const deliver = async (object: { id: string }) => {
    const activity = {
      '@context': CONTEXT,
      id: `${object.id}/activity`,
      type: 'Create',
      actor: remote.actorId,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${remote.actorId}/followers`],
      object,
    };
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, activity);
    assert.equal(response.status, 202, response.text);
    return until(
      () =>
        instance.ctx.db
          .select()
          .from(statuses)
          .where(eq(statuses.uri, object.id))
          .then((rows) => rows[0]),
      `status ${object.id}`,
    );
  };
  const show = async (id: string) => {
    const response = await instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const cachedStatus = (id: string, count = 1) =>
    until(async () => {
      const body = await show(id);
      return body.media_attachments.filter((item: { url: string }) => item.url.startsWith(instance.ctx.storage.url(''))).length === count && body;
    }, `the attachments of ${id} cached`);
  /** a file the API points at, fetched where it is served (this instance's /system/, or the S3 bucket) */
  const served = async (url: string) => {
    const response = await fetchStoredFile(instance, url);
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const proxy = (path: string) => fetch(new URL(path, instance.url), { redirect: 'manual' });
  /** every queued job run: inbound activities, then the downloads they queued */
  const settled = async () => {
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.ingress === 0 && counts.pull === 0;
    }, 'the queues to drain');
    await queuesDrained(instance, ['ingress', 'pull']);
    await until(async () => (await instance.ctx.queue.counts()).pull === 0, 'the pull queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs(), [], 'no job failed for good');
  };
  const bobAccount = async () => (await instance.request('GET', `/api/v1/accounts/${bobId}`, { token: alice.token })).body;

  it('downloads a Note’s image, its author’s avatar and header and its custom emoji, stores them without metadata and shows them from this instance', async () => {
    serveFile('photo.jpg', await photoWithGps());
    serveFile('blobcat.png', await png(64, 64, { r: 0, g: 200, b: 0 }), 'image/png');
    serveFile('tiny.jpg', await photoWithGps(48, 32));
    const object = note([document('photo.jpg', { name: 'A blue photo', blurhash: BLURHASH, focalPoint: [0.25, -0.5], width: 640, height: 480 }), document('tiny.jpg', { blurhash: undefined })], {
      content: '<p>look :blobcat:</p>',
      tag: [{ id: `${remote.origin}/emojis/1`, type: 'Emoji', name: ':blobcat:', updated: '2024-01-01T00:00:00Z', icon: { type: 'Image', mediaType: 'image/png', url: fileUrl('blobcat.png') } }],
    });
    const row = await deliver(object);
    const body = await cachedStatus(row.id, 2);
    const [media, tiny] = body.media_attachments;
    assert.match(tiny.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/, 'a blurhash is made when none was sent');
    assert.notEqual(tiny.blurhash, BLURHASH);
    assert.equal(media.type, 'image');
    assert.match(media.url, new RegExp(`^${storedUrlPattern(instance)}cache/media_attachments/files/(\\d{3}/)+original/[0-9a-f]{16}\\.jpg$`));
    assert.match(media.preview_url, new RegExp(`^${storedUrlPattern(instance)}cache/media_attachments/files/(\\d{3}/)+small/[0-9a-f]{16}\\.jpg$`));
    assert.equal(media.remote_url, fileUrl('photo.jpg'), 'the origin is kept');
    assert.equal(media.description, 'A blue photo');
    assert.equal(media.blurhash, BLURHASH, 'the author’s blurhash is kept');
    assert.deepEqual(media.meta.focus, { x: 0.25, y: -0.5 });
    assert.deepEqual(media.meta.original, { width: 640, height: 480, size: '640x480', aspect: 640 / 480 });
    assert.equal(media.meta.small.width * media.meta.small.height <= 409_600, true);

    const original = await served(media.url);
    assert.equal(original.status, 200);
    assert.equal(original.type, 'image/jpeg');
    const metadata = await sharp(original.bytes).metadata();
    assert.equal(metadata.exif, undefined, 'no EXIF (no GPS) is served');
    assert.ok(!original.bytes.includes(Buffer.from('PeerPhone')));
    assert.equal((await served(media.preview_url)).status, 200);
    assert.equal(requestsFor('photo.jpg'), 1, 'the file was fetched once');

    const emoji = await until(async () => {
      const shown = await show(row.id);
      return shown.emojis[0]?.url.startsWith(instance.ctx.storage.url('')) && shown.emojis[0];
    }, 'the emoji cached');
    assert.equal(emoji.shortcode, 'blobcat');
    assert.match(emoji.url, new RegExp(`^${storedUrlPattern(instance)}cache/custom_emojis/images/(\\d{3}/)+original/[0-9a-f]{16}\\.png$`));
    assert.match(emoji.static_url, new RegExp(`^${storedUrlPattern(instance)}cache/custom_emojis/images/(\\d{3}/)+static/[0-9a-f]{16}\\.png$`), 'a still PNG, as a local emoji has');
    assert.deepEqual((await served(emoji.url)).bytes, files.get('blobcat.png')!.bytes, 'the original kept as it came, as Mastodon keeps an emoji’s');
    const [emojiRow] = await instance.ctx.db.select().from(customEmojis).where(eq(customEmojis.shortcode, 'blobcat'));
    assert.equal(emojiRow!.imageUrl, fileUrl('blobcat.png'), 'the origin is kept');
    assert.equal(emojiRow!.uri, `${remote.origin}/emojis/1`);
    assert.equal((await served(emoji.url)).status, 200);

    const bob = await until(async () => {
      const account = await bobAccount();
      return account.avatar.startsWith(instance.ctx.storage.url('')) && account.header.startsWith(instance.ctx.storage.url('')) && account;
    }, 'the avatar and header cached');
    assert.match(bob.avatar, new RegExp(`^${storedUrlPattern(instance)}cache/accounts/avatars/(\\d{3}/)+original/[0-9a-f]{16}\\.png$`));
    assert.equal(bob.avatar_static, bob.avatar);
    assert.match(bob.header, new RegExp(`^${storedUrlPattern(instance)}cache/accounts/headers/(\\d{3}/)+original/[0-9a-f]{16}\\.jpg$`));
    const avatar = await sharp((await served(bob.avatar)).bytes).metadata();
    assert.deepEqual([avatar.width, avatar.height], [400, 400], 'cropped to Mastodon’s 400×400');
    const header = await served(bob.header);
    const headerMeta = await sharp(header.bytes).metadata();
    assert.deepEqual([headerMeta.width, headerMeta.height], [1414, 530], 'scaled within Mastodon’s 750,000 pixels, as an uploaded header, not cropped');
    assert.equal(headerMeta.exif, undefined);
    const [account] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId));
    assert.equal(account!.avatarRemoteUrl, fileUrl('avatar.png'));
    await settled();
  });

  it('an actor that changes its avatar has the new one downloaded and the old copy deleted; one it drops is forgotten', async () => {
    const before = (await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId)))[0]!;
    assert.ok(before.avatarFileKey && before.headerFileKey);
    serveFile('avatar-2.png', await png(300, 300, { r: 0, g: 0, b: 250 }), 'image/png');
    await remote.setActor({ name: 'Bob', icon: new Image({ url: new URL(fileUrl('avatar-2.png')), mediaType: 'image/png' }), image: new Image({ url: new URL(fileUrl('header.jpg')) }) });
    const update = { '@context': CONTEXT, id: `${remote.actorId}#updates/${++n}`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: await remote.actor() };
    assert.equal((await remote.postSigned(instance.url, `${BASE}/inbox`, update)).status, 202);
    const bob = await until(async () => {
      const account = await bobAccount();
      return account.avatar !== instance.ctx.storage.url(before.avatarFileKey!) && account.avatar.startsWith(instance.ctx.storage.url('')) && account;
    }, 'the new avatar');
    assert.deepEqual([(await sharp((await served(bob.avatar)).bytes).metadata()).width], [400], 'sized as an uploaded avatar is (400×400)');
    await until(async () => (await instance.ctx.storage.head(before.avatarFileKey!)) === undefined, 'the old copy deleted');
    assert.equal(bob.header, instance.ctx.storage.url(before.headerFileKey!), 'the unchanged header is not downloaded again');
    assert.equal(requestsFor('header.jpg'), 1);

    await remote.setActor({ name: 'Bob', icon: new Image({ url: new URL(fileUrl('avatar-2.png')), mediaType: 'image/png' }) });
    const drop = { '@context': CONTEXT, id: `${remote.actorId}#updates/${++n}`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: await remote.actor() };
    assert.equal((await remote.postSigned(instance.url, `${BASE}/inbox`, drop)).status, 202);
    await until(async () => (await bobAccount()).header === `${BASE}/headers/original/missing.png`, 'the header dropped');
    await until(async () => (await instance.ctx.storage.head(before.headerFileKey!)) === undefined, 'the dropped header’s file deleted');
  });

  it('a cached remote attachment is never taken for an upload of its author (it has a file, but a remote_url)', async () => {
    const [cached] = (await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, bobId))).filter((row) => row.fileKey);
    assert.ok(cached?.statusId);
    await assert.rejects(findOwnMedia(instance.ctx, bobId, cached.id), (error: ApiError) => error.statusCode === 404);
    await assert.rejects(attachableMedia(instance.ctx, bobId, [cached.id]), (error: ApiError) => error.statusCode === 422);
    assert.deepEqual(await attachedMediaIds(instance.ctx, cached.statusId), [], 'not among a status’s uploads');
    await detachMedia(instance.ctx, cached.statusId);
    const [still] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, cached.id));
    assert.equal(still!.statusId, cached.statusId, 'a remote status keeps its attachments');
  });

  it('a purged attachment is fetched again on demand through /media_proxy, which redirects to the stored file', async () => {
    serveFile('proxied.jpg', await photoWithGps(800, 600));
    const row = await deliver(note([document('proxied.jpg', { name: 'proxied' })]));
    await cachedStatus(row.id);
    const [cached] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row.id));
    await uncacheAttachments(instance.ctx, [cached!]);
    assert.equal(await instance.ctx.storage.head(cached!.fileKey!), undefined, 'the purged copy is gone');

    const [media] = (await show(row.id)).media_attachments;
    assert.equal(media.url, `${BASE}/media_proxy/${media.id}/original`, 'an uncached remote attachment points at the media proxy');
    assert.equal(media.preview_url, `${BASE}/media_proxy/${media.id}/small`);
    assert.equal(media.remote_url, fileUrl('proxied.jpg'));

    const small = await proxy(`/media_proxy/${media.id}/small`);
    assert.equal(small.status, 302);
    assert.match(small.headers.get('location')!, new RegExp(`^${storedUrlPattern(instance)}cache/media_attachments/files/(\\d{3}/)+small/`));
    const original = await proxy(`/media_proxy/${media.id}/original`);
    assert.equal(original.status, 302);
    const location = original.headers.get('location')!;
    assert.match(location, /\/original\/[0-9a-f]{16}\.jpg$/);
    const file = await served(location);
    assert.equal(file.status, 200);
    assert.equal((await sharp(file.bytes).metadata()).exif, undefined);
    assert.equal(requestsFor('proxied.jpg'), 2, 'downloaded once more, for both styles');
    assert.equal((await show(row.id)).media_attachments[0].url, location, 'the API shows the stored copy again');

    for (const path of ['/media_proxy/1/original', '/media_proxy/not-an-id/original', `/media_proxy/${media.id}9/small`]) {
      assert.equal((await proxy(path)).status, 404, path);
    }
  });

  it('refuses private addresses, oversized files, redirects to private addresses and files that are no image, without failing', async () => {
    remote.route('/system/media/huge.jpg', (_req, res: ServerResponse) => {
      // 20 MB without a Content-Length: cut off once past the 16 MB limit
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(1024 * 1024, 0xff);
      const drained = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      void (async () => {
        for (let i = 0; i < 20 && !res.destroyed; i++) if (!res.write(chunk)) await drained();
        res.end();
      })();
    });
    remote.route('/system/media/to-private.jpg', (_req, res) => res.writeHead(302, { location: 'http://10.1.2.3/secret.jpg' }).end());
    serveFile('page.jpg', Buffer.from('<!doctype html><title>not an image</title>'), 'image/jpeg');
    remote.route('/system/media/gone.jpg', (_req, res) => res.writeHead(404).end());
    const object = note([{ type: 'Document', mediaType: 'image/jpeg', url: 'http://169.254.169.254/latest/meta-data/x.jpg' }, document('huge.jpg'), document('to-private.jpg'), document('page.jpg')]);
    const row = await deliver(object);
    const gone = await deliver(note([document('gone.jpg')]));
    await until(async () => requestsFor('huge.jpg') > 0 && requestsFor('to-private.jpg') > 0 && requestsFor('page.jpg') > 0 && requestsFor('gone.jpg') > 0, 'the downloads tried');
    await settled();
    const rows = [
      ...(await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row.id))),
      ...(await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, gone.id))),
    ];
    assert.equal(rows.length, 5);
    assert.ok(
      rows.every((media) => media.fileKey === null),
      'nothing stored',
    );
    for (const media of rows) assert.equal((await proxy(`/media_proxy/${media.id}/original`)).status, 404, media.remoteUrl);
    assert.equal(requestsFor('gone.jpg'), 2, 'a 404 is not retried by the job; the proxy asked once more');
    const shown = await show(row.id);
    assert.deepEqual(
      shown.media_attachments.map((item: { remote_url: string }) => item.remote_url),
      rows.slice(0, 4).map((media) => media.remoteUrl),
    );
    assert.equal((await instance.request('GET', '/health')).status, 200);
  });

  it('from a domain whose media are rejected: links only, and nothing is fetched, not even through the proxy', async () => {
    const domain = remote.host;
    await instance.ctx.db.insert(domainBlocks).values({ domain, severity: 'noop', rejectMedia: true });
    await invalidateDomainPolicy(instance.ctx);
    try {
      serveFile('rejected.jpg', await photoWithGps());
      serveFile('rejected-emoji.png', await png(32, 32, { r: 9, g: 9, b: 9 }), 'image/png');
      const row = await deliver(
        note([document('rejected.jpg', { name: 'hidden', blurhash: BLURHASH })], {
          content: '<p>:rejected:</p>',
          tag: [{ type: 'Emoji', name: ':rejected:', icon: { type: 'Image', url: fileUrl('rejected-emoji.png') } }],
        }),
      );
      await settled();
      const body = await show(row.id);
      const [media] = body.media_attachments;
      assert.equal(media.type, 'unknown');
      assert.equal(media.remote_url, fileUrl('rejected.jpg'));
      assert.equal(media.url, `${BASE}/media_proxy/${media.id}/original`);
      assert.equal(media.preview_url, null);
      assert.deepEqual(body.emojis, []);
      assert.equal((await proxy(`/media_proxy/${media.id}/original`)).status, 404);
      assert.equal(requestsFor('rejected.jpg'), 0, 'the peer saw no request for the file');
      assert.equal(requestsFor('rejected-emoji.png'), 0);

      // nor a new avatar
      serveFile('avatar-rejected.png', await png(50, 50, { r: 1, g: 2, b: 3 }), 'image/png');
      const before = await bobAccount();
      await remote.setActor({ name: 'Bob (rejected)', icon: new Image({ url: new URL(fileUrl('avatar-rejected.png')), mediaType: 'image/png' }) });
      const update = { '@context': CONTEXT, id: `${remote.actorId}#updates/${++n}`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: await remote.actor() };
      assert.equal((await remote.postSigned(instance.url, `${BASE}/inbox`, update)).status, 202);
      await until(async () => (await bobAccount()).display_name === 'Bob (rejected)', 'the profile updated');
      await settled();
      assert.equal(requestsFor('avatar-rejected.png'), 0, 'the new avatar is not fetched');
      assert.equal((await bobAccount()).avatar, before.avatar);
    } finally {
      await instance.ctx.db.delete(domainBlocks).where(eq(domainBlocks.domain, domain));
      await invalidateDomainPolicy(instance.ctx);
    }
  });

  it('an edit that drops a cached attachment deletes its files; one it keeps stays cached with its new description', async () => {
    serveFile('keep.jpg', await photoWithGps(320, 240));
    serveFile('drop.jpg', await photoWithGps(240, 320));
    const object = note([document('keep.jpg', { name: 'before' }), document('drop.jpg')]);
    const row = await deliver(object);
    await cachedStatus(row.id, 2);
    const [kept, dropped] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row.id)).orderBy(mediaAttachments.position);
    const updated = { ...object, updated: new Date(Date.now() + 1000).toISOString(), attachment: [document('keep.jpg', { name: 'after', focalPoint: [-1, 1] })] };
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, {
      '@context': CONTEXT,
      id: `${object.id}#updates/1`,
      type: 'Update',
      actor: remote.actorId,
      to: [PUBLIC],
      object: updated,
    });
    assert.equal(response.status, 202);
    const body = await until(async () => {
      const shown = await show(row.id);
      return shown.edited_at && shown;
    }, 'the edit');
    assert.equal(body.media_attachments.length, 1);
    const [media] = body.media_attachments;
    assert.equal(media.id, kept!.id);
    assert.equal(media.url, instance.ctx.storage.url(kept!.fileKey!), 'still the cached copy');
    assert.equal(media.description, 'after');
    assert.deepEqual(media.meta.focus, { x: -1, y: 1 });
    assert.equal(media.meta.original.width, 320);
    // files are removed once the edit has committed, so a moment after it shows
    await until(async () => (await instance.ctx.storage.head(dropped!.fileKey!)) === undefined, 'the dropped attachment’s file deleted');
    assert.equal(requestsFor('keep.jpg'), 1);
  });

  describe('subspace media refresh', () => {
    let statusId: string;
    let purgeable: MediaAttachmentRow[];
    const cli = (...args: string[]) => runAdminCommand(instance.ctx, ['media', 'refresh', ...args]);
    const purge = async () => {
      purgeable = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, statusId));
      await uncacheAttachments(instance.ctx, purgeable);
    };
    const stored = async () => (await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, statusId))).filter((row) => row.fileKey).length;

    before(async () => {
      serveFile('refresh-1.jpg', await photoWithGps(200, 100));
      serveFile('refresh-2.jpg', await photoWithGps(100, 200));
      const row = await deliver(note([document('refresh-1.jpg'), document('refresh-2.jpg')]));
      statusId = row.id;
      await cachedStatus(statusId, 2);
    });

    it('--status downloads the attachments a status lacks, and says how many and how much', async () => {
      await purge();
      const result = await cli('--status', statusId);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^Downloaded 2 media attachments \(approx\. \d+(\.\d+)? KB\)\n$/);
      assert.equal(await stored(), 2);
      const again = await cli('--status', statusId);
      assert.match(again.stdout, /^Downloaded 0 media attachments/, 'cached ones are left alone');
      assert.equal(requestsFor('refresh-1.jpg'), 2);
    });

    it('--force downloads them again, replacing the copies; --dry-run downloads nothing', async () => {
      const before = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, statusId));
      const dry = await cli('--status', statusId, '--force', '--dry-run');
      assert.match(dry.stdout, /^Downloaded 2 media attachments \(approx\. .*\) \(DRY RUN\)\n$/);
      assert.equal(requestsFor('refresh-1.jpg'), 2);
      const result = await cli('--status', statusId, '--force');
      assert.match(result.stdout, /^Downloaded 2 media attachments/);
      assert.equal(requestsFor('refresh-1.jpg'), 3);
      const after = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, statusId));
      for (const row of before) {
        assert.notEqual(after.find((other) => other.id === row.id)!.fileKey, row.fileKey);
        assert.equal(await instance.ctx.storage.head(row.fileKey!), undefined, 'the replaced copy is deleted');
      }
    });

    it('run through the control socket, it reports its progress as it goes; a terminal-less CLI prints it as lines', async () => {
      await purge();
      const dir = mkdtempSync(join(tmpdir(), 'sock-'));
      const socket = await startControlSocket(instance.ctx, join(dir, 's.sock'));
      assert.ok(socket);
      try {
        const events: string[] = [];
        const recording: Progress = {
          start: (total) => events.push(`start ${total}`),
          increment: (by = 1) => events.push(`+${by}`),
          stop: () => events.push('stop'),
        };
        const result = await sendCommand(socket.path, ['media', 'refresh', '--status', statusId], recording);
        assert.equal(result?.exitCode, 0, result?.stderr);
        assert.match(result!.stdout, /^Downloaded 2 media attachments/);
        assert.equal(events[0], 'start 2');
        assert.equal(events.at(-1), 'stop');
        assert.equal(
          events.slice(1, -1).reduce((sum, event) => sum + Number(event.slice(1)), 0),
          2,
        );
        const plain = await sendCommand(socket.path, ['media', 'refresh', '--status', statusId]);
        assert.match(plain!.stdout, /^Downloaded 0 media attachments/, 'without progress, the answer is as before');
      } finally {
        await socket.close();
        rmSync(dir, { recursive: true, force: true });
      }
      const lines: string[] = [];
      const pipe = Object.assign(
        new Writable({
          write: (chunk, _encoding, done) => {
            lines.push(String(chunk));
            done();
          },
        }),
        { isTTY: false },
      ) as unknown as NodeJS.WriteStream;
      const progress = terminalProgress(pipe);
      progress.start(25);
      for (let i = 0; i < 25; i++) progress.increment();
      progress.stop();
      assert.deepEqual(lines.join('').trimEnd().split('\n'), [
        'Processed 3/25',
        'Processed 5/25',
        'Processed 8/25',
        'Processed 10/25',
        'Processed 13/25',
        'Processed 15/25',
        'Processed 18/25',
        'Processed 20/25',
        'Processed 23/25',
        'Processed 25/25',
      ]);
    });

    it('--account, --domain and --days choose the attachments; without a source it says what is missing', async () => {
      for (const args of [
        ['--account', remote.handle],
        ['--domain', remote.host],
        ['--domain', '127.0.0.1'],
        ['--days', '1'],
        ['--domain', remote.host, '--days', '1'],
      ]) {
        await purge();
        const result = await cli(...args, '--concurrency', '2');
        assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stdout, /^Downloaded 2 media attachments/, args.join(' '));
        assert.equal(await stored(), 2, args.join(' '));
      }
      await purge();
      assert.match((await cli('--domain', 'elsewhere.example')).stdout, /^Downloaded 0 media attachments/);
      assert.equal(await stored(), 0);
      const none = await cli();
      assert.equal(none.exitCode, 2);
      assert.match(none.stderr, /Specify the source/);
      const unknown = await cli('--account', 'nobody@nowhere.example');
      assert.equal(unknown.exitCode, 1);
      assert.match(unknown.stderr, /No such account/);
      assert.equal((await cli('--days', 'soon')).exitCode, 2);
    });
  });

  it('a new reject_media block deletes what was stored of the domain’s media: avatars, headers, attachments (then links) and emoji', async () => {
    const cachedRows = (await instance.ctx.db.select().from(mediaAttachments)).filter((row) => row.fileKey && row.remoteUrl);
    const [bob] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId));
    const [emoji] = await instance.ctx.db.select().from(customEmojis).where(eq(customEmojis.shortcode, 'blobcat'));
    assert.ok(cachedRows.length > 0 && bob!.avatarFileKey && emoji!.imageFileKey, 'there is something stored');
    const blocked = await runAdminCommand(instance.ctx, ['domains', 'block', '127.0.0.1', '--severity', 'noop', '--reject-media']);
    assert.equal(blocked.exitCode, 0, blocked.stderr);
    await until(async () => (await bobAccount()).avatar === `${BASE}/avatars/original/missing.png`, 'the avatar cleared');
    await settled();
    for (const row of cachedRows) {
      const [after] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, row.id));
      assert.equal(after!.fileKey, null);
      assert.equal(after!.type, 'unknown', 'shown as a link');
      assert.equal(await instance.ctx.storage.head(row.fileKey!), undefined);
    }
    assert.equal(await instance.ctx.storage.head(bob!.avatarFileKey!), undefined);
    assert.equal(await instance.ctx.storage.head(emoji!.imageFileKey!), undefined);
    assert.deepEqual(await instance.ctx.db.select().from(customEmojis).where(eq(customEmojis.shortcode, 'blobcat')), [], 'its emoji are gone');
    assert.equal((await runAdminCommand(instance.ctx, ['domains', 'unblock', '127.0.0.1'])).exitCode, 0);
  });
});
