import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { createRestAPIClient } from 'masto';
import sharp from 'sharp';
import { mediaAttachments, scheduledStatuses } from '../../src/db/schema.ts';
import { publishScheduledStatus } from '../../src/jobs/default/publish-scheduled-status.ts';
import { rateLimitKey } from '../../src/services/instance/rate-limiter.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fetchStoredFile, storedKey, storedKeys } from '../helpers/stored-files.ts';

/** A 400×200 JPEG, with GPS in its EXIF and orientation 6 (shown rotated 90° clockwise: 200×400). */
async function jpegWithGpsAndOrientation(): Promise<Buffer> {
  const bytes = await sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .withExif({ IFD0: { Make: 'Phone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  const metadata = await sharp(bytes).metadata();
  assert.equal(metadata.orientation, 6);
  assert.ok(metadata.exif?.includes(Buffer.from('Phone')) && metadata.exif.includes(Buffer.from('N\0')), 'the test file carries EXIF with GPS');
  return bytes;
}

/** Noise, so the file is large (over the app's 1 MB body limit) and its pixels over Mastodon's 8,294,400 bound. */
async function bigNoisyJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A PNG whose header declares 100000×100000 pixels (a decompression bomb); its data is a few bytes. */
function pixelBombPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(100_000, 0);
  header.writeUInt32BE(100_000, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

describe('media uploads (images, on local disk or in S3)', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(async () => instance?.close());

  async function upload(user: TestUser, bytes: Buffer, options: { name?: string; type?: string; version?: 'v1' | 'v2'; fields?: Record<string, string> } = {}) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: options.type ?? 'image/jpeg' }), options.name ?? 'photo.jpg');
    for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, value);
    const response = await fetch(`${instance.url}/api/${options.version ?? 'v2'}/media`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
  }

  /** A file the API points at, fetched where it is served (this instance's /system/, or the S3 bucket). */
  async function served(url: string, headers: Record<string, string> = {}) {
    const response = await fetchStoredFile(instance, url, { headers });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  it('takes a JPEG: applies its orientation, strips EXIF and GPS, makes a preview, meta and a blurhash', async () => {
    const uploaded = await upload(alice, await jpegWithGpsAndOrientation(), { fields: { description: 'A red square', focus: '0.5,-0.25' } });
    assert.equal(uploaded.status, 200, uploaded.text);
    const media = uploaded.body;
    assert.match(media.id, /^\d+$/);
    assert.equal(media.type, 'image');
    if (instance.ctx.storage.kind === 'local') assert.match(media.url, /^http:\/\/subspace\.test\/system\//);
    assert.match(storedKey(instance, media.url) ?? media.url, /^media_attachments\/files\/(\d{3}\/)+original\/[0-9a-f]{16}\.jpg$/);
    assert.match(storedKey(instance, media.preview_url) ?? media.preview_url, /^media_attachments\/files\/(\d{3}\/)+small\/[0-9a-f]{16}\.jpg$/);
    assert.equal(media.remote_url, null);
    assert.equal(media.preview_remote_url, null);
    assert.equal(media.text_url, null);
    assert.equal(media.description, 'A red square');
    assert.match(media.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{20,}$/);
    assert.deepEqual(media.meta.original, { width: 200, height: 400, size: '200x400', aspect: 0.5 });
    assert.deepEqual(media.meta.small, { width: 200, height: 400, size: '200x400', aspect: 0.5 });
    assert.deepEqual(media.meta.focus, { x: 0.5, y: -0.25 });

    for (const url of [media.url, media.preview_url]) {
      const { response, bytes } = await served(url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
      assert.equal(response.headers.get('cache-control'), 'public, max-age=315576000, immutable');
      const metadata = await sharp(bytes).metadata();
      assert.equal(metadata.format, 'jpeg');
      assert.equal(metadata.width, 200, 'rotated as its orientation said');
      assert.equal(metadata.height, 400);
      assert.equal(metadata.exif, undefined, 'no EXIF (no GPS) is served');
      assert.equal(metadata.orientation, undefined);
      assert.ok(!bytes.includes(Buffer.from('Phone')), 'nothing of the EXIF is left in the file');
    }

    const shown = await instance.request('GET', `/api/v1/media/${media.id}`, { token: alice.token });
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.body, media);
    assert.equal((await instance.request('GET', `/api/v1/media/${media.id}`, { token: bob.token })).status, 404, 'only the owner sees an upload');
  });

  it('bounds large images (original 8,294,400 pixels, preview 409,600) and takes uploads over 1 MB', async () => {
    const big = await bigNoisyJpeg(4000, 2400);
    assert.ok(big.length > 1024 * 1024, `${big.length} bytes`);
    const uploaded = await upload(alice, big, { version: 'v1' });
    assert.equal(uploaded.status, 200, uploaded.text);
    const { original, small } = uploaded.body.meta;
    assert.ok(original.width * original.height <= 8_294_400, original.size);
    assert.ok(small.width * small.height <= 409_600, small.size);
    assert.ok(Math.abs(original.aspect - 4000 / 2400) < 0.01);
    const file = await sharp((await served(uploaded.body.url)).bytes).metadata();
    assert.equal(`${file.width}x${file.height}`, original.size);
    const preview = await sharp((await served(uploaded.body.preview_url)).bytes).metadata();
    assert.equal(`${preview.width}x${preview.height}`, small.size);
  });

  it('takes PNG and static GIF, by their content whatever their name or type says', async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 4, background: '#00ff0080' } })
      .png()
      .toBuffer();
    const uploadedPng = await upload(alice, png, { name: 'image.jpg', type: 'image/jpeg' });
    assert.equal(uploadedPng.status, 200, uploadedPng.text);
    assert.match(uploadedPng.body.url, /\.png$/);
    assert.equal((await sharp((await served(uploadedPng.body.url)).bytes).metadata()).format, 'png');

    const gif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#0000ff' } })
      .gif()
      .toBuffer();
    const uploadedGif = await upload(alice, gif, { name: 'a.gif', type: 'image/gif' });
    assert.equal(uploadedGif.status, 200, uploadedGif.text);
    assert.equal(uploadedGif.body.type, 'image');
    assert.deepEqual(uploadedGif.body.meta.original, { width: 16, height: 16, size: '16x16', aspect: 1 });

    // an animated GIF is no image: it becomes a video, a gifv (test/api/video-media.test.ts); an animated WebP keeps its first frame, as in Mastodon
    const frame = (background: string) =>
      sharp({ create: { width: 8, height: 16, channels: 3, background } })
        .png()
        .toBuffer();
    const frames = [await frame('#ff0000'), await frame('#00ff00')];
    const twoFrames = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const gifv = await upload(alice, twoFrames, { name: 'anim.gif', type: 'image/gif' });
    assert.equal(gifv.status, 200, gifv.text);
    assert.equal(gifv.body.type, 'gifv');
    const animatedWebp = await upload(
      alice,
      await sharp(frames, { join: { animated: true } })
        .webp()
        .toBuffer(),
      { name: 'anim.webp', type: 'image/webp' },
    );
    assert.equal(animatedWebp.status, 200, animatedWebp.text);
    assert.equal(animatedWebp.body.type, 'image');
    assert.deepEqual(animatedWebp.body.meta.original, { width: 8, height: 16, size: '8x16', aspect: 0.5 });
    const still = await sharp((await served(animatedWebp.body.url)).bytes).metadata();
    assert.deepEqual([still.format, still.pages ?? 1, still.width, still.height], ['webp', 1, 8, 16]);
  });

  it('refuses truncated files, pixel bombs and executables with 422, leaving no row and no file', async () => {
    const rowsBefore = (await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, alice.accountId))).length;
    const filesBefore = await storedKeys(instance);
    const jpeg = await bigNoisyJpeg(300, 300);
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4000, 0x90)]);
    const cases: [string, Buffer][] = [
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2))],
      ['pixel bomb PNG', pixelBombPng()],
      ['ELF executable named .jpg', elf],
      ['text', Buffer.from('hello, this is not an image')],
    ];
    for (const [what, bytes] of cases) {
      const response = await upload(alice, bytes, { name: 'photo.jpg', type: 'image/jpeg' });
      assert.equal(response.status, 422, `${what}: ${response.text}`);
      assert.match(response.body.error, /^Validation failed: File /, what);
    }
    const rowsAfter = (await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, alice.accountId))).length;
    assert.equal(rowsAfter, rowsBefore, 'no row');
    assert.deepEqual(await storedKeys(instance), filesBefore, 'no file');
    const huge = await upload(alice, Buffer.concat([await bigNoisyJpeg(64, 64), Buffer.alloc(17 * 1024 * 1024)]));
    assert.equal(huge.status, 422, huge.text);
    assert.equal(huge.body.error, 'Validation failed: File file size must be less than 16 MB');
    const empty = await instance.request('POST', '/api/v2/media', { token: alice.token, json: {} });
    assert.equal(empty.status, 422, empty.text);
  });

  it('needs write:media', async () => {
    const reader = await instance.createUser('reader', { scopes: 'read' });
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    assert.equal((await upload(reader, png)).status, 403);
    const writer = await instance.createUser('writer', { scopes: 'write:media' });
    assert.equal((await upload(writer, png)).status, 200);
  });

  it('counts uploads against Mastodon’s media limit, 30 per 30 minutes', async () => {
    const carol = await instance.createUser('carol');
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const first = await upload(carol, png);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('x-ratelimit-limit'), '30');
    assert.equal(first.headers.get('x-ratelimit-remaining'), '29');
    await instance.ctx.cache.set(rateLimitKey(carol.accountId, 'media'), '30', 1800);
    const refused = await upload(carol, png);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    // refused before the image is even looked at: a file that is no image is a 429 too, not a 422
    const notAnImage = await upload(carol, Buffer.from('not an image at all'));
    assert.equal(notAnImage.status, 429, notAnImage.text);
  });

  it('serves byte ranges', async () => {
    const uploaded = await upload(alice, await jpegWithGpsAndOrientation());
    const whole = await served(uploaded.body.url);
    assert.equal(whole.response.headers.get('accept-ranges'), 'bytes');
    const part = await served(uploaded.body.url, { range: 'bytes=10-19' });
    assert.equal(part.response.status, 206);
    assert.equal(part.response.headers.get('content-range'), `bytes 10-19/${whole.bytes.length}`);
    assert.deepEqual(part.bytes, whole.bytes.subarray(10, 20));
    const tail = await served(uploaded.body.url, { range: `bytes=${whole.bytes.length - 5}-` });
    assert.deepEqual(tail.bytes, whole.bytes.subarray(whole.bytes.length - 5));
    // (s3rver, the S3 of the tests, does not know suffix ranges; S3 does)
    if (instance.ctx.storage.kind === 'local') {
      const suffix = await served(uploaded.body.url, { range: 'bytes=-5' });
      assert.deepEqual(suffix.bytes, whole.bytes.subarray(whole.bytes.length - 5));
    }
    const beyond = await served(uploaded.body.url, { range: `bytes=${whole.bytes.length + 10}-` });
    assert.equal(beyond.response.status, 416);
    assert.equal((await served('http://subspace.test/system/media_attachments/files/000/000/001/original/none.jpg')).response.status, 404);
    assert.equal((await served('http://subspace.test/system/..%2F..%2Fsecrets.json')).response.status, 404);
  });

  it('updates description and focus while unattached, attaches to statuses, and keeps attached media', async () => {
    const png = () =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: '#123456' } })
        .png()
        .toBuffer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(alice, await png())).body.id);

    const updated = await instance.request('PUT', `/api/v1/media/${ids[0]}`, { token: alice.token, json: { description: 'Alt text', focus: '-0.5,0.5' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.description, 'Alt text');
    assert.deepEqual(updated.body.meta.focus, { x: -0.5, y: 0.5 });
    assert.equal((await instance.request('PUT', `/api/v1/media/${ids[0]}`, { token: alice.token, json: { focus: '2,0' } })).status, 422);
    assert.equal((await instance.request('PUT', `/api/v1/media/${ids[0]}`, { token: bob.token, json: { description: 'x' } })).status, 404);

    const post = (user: TestUser, json: Record<string, unknown>) => instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal((await post(alice, { status: 'five', media_ids: ids })).status, 422, 'at most four');
    assert.equal((await post(bob, { status: 'not mine', media_ids: [ids[0]] })).status, 422, "someone else's media");
    assert.equal((await post(alice, { status: 'poll', media_ids: [ids[0]], poll: { options: ['a', 'b'], expires_in: 600 } })).status, 422, 'media and poll');
    assert.equal((await post(alice, { status: 'unknown', media_ids: ['123'] })).status, 422);

    const posted = await post(alice, { status: '', media_ids: [ids[1], ids[0]] });
    assert.equal(posted.status, 200, posted.text);
    const attachments = posted.body.media_attachments;
    assert.deepEqual(
      attachments.map((m: { id: string }) => m.id),
      [ids[1], ids[0]],
      'in the order given',
    );
    assert.equal(attachments[1].description, 'Alt text');
    assert.equal(attachments[1].type, 'image');
    assert.match(attachments[1].preview_url, /\/small\//);

    assert.equal((await post(alice, { status: 'again', media_ids: [ids[0]] })).status, 422, 'already attached');
    assert.equal((await instance.request('GET', `/api/v1/media/${ids[0]}`, { token: alice.token })).status, 404, 'an attached upload is no longer shown');
    const deleteAttached = await instance.request('DELETE', `/api/v1/media/${ids[0]}`, { token: alice.token });
    assert.equal(deleteAttached.status, 422);
    assert.equal(deleteAttached.body.error, 'Media attachment is currently used by a status');
    assert.equal((await instance.request('PUT', `/api/v1/media/${ids[0]}`, { token: alice.token, json: { description: 'late' } })).status, 404);

    const timeline = await instance.request('GET', '/api/v1/timelines/public?local=true&only_media=true', { token: alice.token });
    assert.deepEqual(
      timeline.body.map((s: { id: string }) => s.id),
      [posted.body.id],
    );
    const shown = await instance.request('GET', `/api/v1/statuses/${posted.body.id}`);
    assert.deepEqual(shown.body.media_attachments, attachments);

    // an edit: one kept (its alt text changed), one added, one dropped
    const edited = await instance.request('PUT', `/api/v1/statuses/${posted.body.id}`, {
      token: alice.token,
      json: { status: 'edited', media_ids: [ids[0], ids[2]], media_attributes: [{ id: ids[0], description: 'New alt' }] },
    });
    assert.equal(edited.status, 200, edited.text);
    assert.deepEqual(
      edited.body.media_attachments.map((m: { id: string }) => m.id),
      [ids[0], ids[2]],
    );
    assert.equal(edited.body.media_attachments[0].description, 'New alt');
    const history = await instance.request('GET', `/api/v1/statuses/${posted.body.id}/history`, { token: alice.token });
    assert.equal(history.status, 200, history.text);
    assert.deepEqual(
      history.body.map((revision: { media_attachments: { id: string }[] }) => revision.media_attachments.map((m) => m.id)),
      [
        [ids[1], ids[0]],
        [ids[0], ids[2]],
      ],
      'each revision with its attachments',
    );
    // the dropped one is an unattached upload again, which can be deleted with its files
    const dropped = await instance.request('GET', `/api/v1/media/${ids[1]}`, { token: alice.token });
    const deleted = await instance.request('DELETE', `/api/v1/media/${ids[1]}`, { token: alice.token });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await served(dropped.body.url)).response.status, 404);
    assert.equal((await instance.request('GET', `/api/v1/media/${ids[1]}`, { token: alice.token })).status, 404);

    // delete and redraft: the deleted post shows its media, which the redraft attaches again
    const removed = await instance.request('DELETE', `/api/v1/statuses/${posted.body.id}`, { token: alice.token });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(
      removed.body.media_attachments.map((m: { id: string }) => m.id),
      [ids[0], ids[2]],
    );
    const redraft = await post(alice, { status: 'redrafted', media_ids: removed.body.media_attachments.map((m: { id: string }) => m.id) });
    assert.equal(redraft.status, 200, redraft.text);
    assert.deepEqual(
      redraft.body.media_attachments.map((m: { id: string }) => m.id),
      [ids[0], ids[2]],
    );
    assert.equal(redraft.body.media_attachments[0].description, 'New alt');
  });

  it('reserves the uploads of a scheduled status: shown in it, not attachable or deletable meanwhile, published with it', async () => {
    const png = () =>
      sharp({ create: { width: 20, height: 20, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
    const [a, b, c] = [(await upload(alice, await png())).body.id, (await upload(alice, await png())).body.id, (await upload(alice, await png())).body.id];
    const post = (json: Record<string, unknown>) => instance.request('POST', '/api/v1/statuses', { token: alice.token, json });
    const later = () => new Date(Date.now() + 3_600_000).toISOString();

    const scheduled = await post({ status: 'later, with pictures', media_ids: [b, a], scheduled_at: later() });
    assert.equal(scheduled.status, 200, scheduled.text);
    const idsOf = (list: { id: string }[]) => list.map((m) => m.id);
    assert.deepEqual(idsOf(scheduled.body.media_attachments), [b, a]);
    const shown = await instance.request('GET', `/api/v1/scheduled_statuses/${scheduled.body.id}`, { token: alice.token });
    assert.deepEqual(idsOf(shown.body.media_attachments), [b, a]);
    assert.equal(shown.body.media_attachments[0].type, 'image');
    const listed = await instance.request('GET', '/api/v1/scheduled_statuses', { token: alice.token });
    assert.deepEqual(idsOf(listed.body.find((s: { id: string }) => s.id === scheduled.body.id).media_attachments), [b, a]);

    assert.equal((await post({ status: 'now', media_ids: [a] })).status, 422, 'another post cannot take it');
    assert.equal((await post({ status: 'also later', media_ids: [a], scheduled_at: later() })).status, 422, 'nor another scheduled post');
    const deleting = await instance.request('DELETE', `/api/v1/media/${a}`, { token: alice.token });
    assert.equal(deleting.status, 422);
    assert.equal(deleting.body.error, 'Media attachment is currently used by a status');
    assert.equal((await instance.request('GET', `/api/v1/media/${a}`, { token: alice.token })).status, 200, 'still an unattached upload');

    // cancelling a scheduled status releases its uploads
    const cancelled = await post({ status: 'cancelled', media_ids: [c], scheduled_at: later() });
    assert.equal((await instance.request('DELETE', `/api/v1/scheduled_statuses/${cancelled.body.id}`, { token: alice.token })).status, 200);
    assert.equal((await instance.request('DELETE', `/api/v1/media/${c}`, { token: alice.token })).status, 200);

    await instance.ctx.db
      .update(scheduledStatuses)
      .set({ scheduledAt: new Date(Date.now() - 1000) })
      .where(eq(scheduledStatuses.id, scheduled.body.id));
    await publishScheduledStatus(instance.ctx, { scheduledStatusId: scheduled.body.id });
    const timeline = await instance.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`, { token: alice.token });
    const published = timeline.body.find((s: { content: string }) => s.content.includes('later, with pictures'));
    assert.ok(published, 'the scheduled post appears');
    assert.deepEqual(idsOf(published.media_attachments), [b, a]);
  });

  it('works for masto.js: v2.media.create, then a status with mediaIds', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: alice.token });
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#aa5500' } })
      .png()
      .toBuffer();
    const media = await client.v2.media.create({ file: new Blob([new Uint8Array(png)], { type: 'image/png' }), description: 'From masto' });
    assert.equal(media.type, 'image');
    assert.equal(media.description, 'From masto');
    const status = await client.v1.statuses.create({ status: 'With a picture', mediaIds: [media.id] });
    assert.equal(status.mediaAttachments.length, 1);
    assert.equal(status.mediaAttachments[0]!.id, media.id);
    assert.equal(status.mediaAttachments[0]!.meta?.original?.width, 64);
  });

  it('advertises the image types it takes (among others) and four attachments', async () => {
    const { configuration } = (await instance.request('GET', '/api/v2/instance')).body;
    assert.equal(configuration.statuses.max_media_attachments, 4);
    for (const type of ['image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif'])
      assert.ok(configuration.media_attachments.supported_mime_types.includes(type), type);
    assert.equal(configuration.media_attachments.image_size_limit, 16 * 1024 * 1024);
    assert.equal(configuration.media_attachments.image_matrix_limit, 33_177_600);
    for (const type of ['image/webp', 'image/avif'] as const) {
      const format = type === 'image/webp' ? 'webp' : 'avif';
      const bytes = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#804020' } })
        .toFormat(format)
        .toBuffer();
      const uploaded = await upload(alice, bytes, { name: 'x.bin', type: 'application/octet-stream' });
      assert.equal(uploaded.status, 200, `${type}: ${uploaded.text}`);
    }
  });

  it('takes a HEIC photo (by its content), served as a JPEG of the right sizes without its EXIF and GPS; HEIC bombs and truncated ones get 422', async () => {
    const heic = readFileSync(new URL('../fixtures/photo.heic', import.meta.url));
    assert.ok(heic.includes(Buffer.from('PeerPhone')), 'the fixture carries EXIF');
    const before = await storedKeys(instance, 'media_attachments/');
    const uploaded = await upload(alice, heic, { name: 'IMG_0001.bin', type: 'application/octet-stream', fields: { description: 'From a phone' } });
    assert.equal(uploaded.status, 200, uploaded.text);
    const media = uploaded.body;
    assert.equal(media.type, 'image');
    assert.match(media.url, /\/original\/[0-9a-f]{16}\.jpg$/);
    assert.deepEqual(media.meta.original, { width: 960, height: 720, size: '960x720', aspect: 960 / 720 });
    assert.deepEqual(media.meta.small, { width: 739, height: 554, size: '739x554', aspect: 739 / 554 });
    assert.match(media.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
    const original = await served(media.url);
    assert.equal(original.response.status, 200);
    assert.equal(original.response.headers.get('content-type'), 'image/jpeg');
    const metadata = await sharp(original.bytes).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['jpeg', 960, 720]);
    assert.equal(metadata.exif, undefined, 'no EXIF (no GPS) is served');
    assert.ok(!original.bytes.includes(Buffer.from('PeerPhone')));
    // the picture itself: a gradient, red growing to the right and green downwards
    const { data } = await sharp(original.bytes).resize(4, 4, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[3 * 3]! > data[0]! + 100, 'red grows to the right');
    assert.ok(data[12 * 3 + 1]! > data[1]! + 100, 'green grows downwards');
    const small = await served(media.preview_url);
    assert.deepEqual([(await sharp(small.bytes).metadata()).format, (await sharp(small.bytes).metadata()).width], ['jpeg', 739]);

    // a HEIC whose container claims 10000×10000 (100 MP): refused before any pixel is decoded
    const bomb = Buffer.from(heic);
    const ispe = bomb.indexOf('ispe');
    assert.ok(ispe > 0);
    bomb.writeUInt32BE(10_000, ispe + 8);
    bomb.writeUInt32BE(10_000, ispe + 12);
    const refused = await upload(alice, bomb, { name: 'bomb.heic', type: 'image/heic' });
    assert.equal(refused.status, 422, refused.text);
    assert.match(refused.body.error, /dimensions/);
    const truncated = await upload(alice, heic.subarray(0, Math.floor(heic.length / 2)), { name: 'cut.heic', type: 'image/heic' });
    assert.equal(truncated.status, 422, truncated.text);
    const after = await storedKeys(instance, 'media_attachments/');
    assert.equal(after.length, before.length + 2, 'only the accepted photo’s two files were stored');
  });
});
