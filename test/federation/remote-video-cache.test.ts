import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { domainBlocks, mediaAttachments } from '../../src/db/schema.ts';
import { downloadDeadlineMs } from '../../src/lib/remote-file.ts';
import { invalidateDomainPolicy } from '../../src/services/moderation/instance-domain-blocks.ts';
import { MEDIA_LIMITS } from '../../src/lib/instance-limits.ts';
import { ffmpegBinary, ffprobeBinary, withTranscodeSlot } from '../../src/services/media/ffmpeg.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { makeMediaFixtures, type MediaFixtures } from '../helpers/media-fixtures.ts';
import { fetchStoredFile, storedKeys, storedUrlPattern } from '../helpers/stored-files.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';
import { observeSlotWaits, restoreSlotWaits } from '../helpers/transcode-slot-waits.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';
import { receiveStatus, remoteNote } from '../helpers/remote-statuses.ts';

const execute = promisify(execFile);

/*
 * Remote video, gifv and audio cached as Mastodon caches them (RedownloadMediaWorker and the
 * upload's processing): a Mastodon-shaped Note from a peer that serves the files, which end up
 * served by this instance, processed like uploads (H.264/AAC MP4 or MP3, a PNG preview, meta with
 * duration and frame rate). Fixtures are made with ffmpeg at test time.
 */

const BASE = 'http://subspace.test';
const AS = 'https://www.w3.org/ns/activitystreams';
const _PUBLIC = `${AS}#Public`;
const CONTEXT = [AS, 'https://w3id.org/security/v1', { toot: 'http://joinmastodon.org/ns#', blurhash: 'toot:blurhash', focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' } }];
const ADDRESS = claimLoopbackAddress();

/** transcoding on a busy machine takes its time */
const TRANSCODED_WITHIN_MS = 60_000;

interface Probed {
  format: { format_name: string; duration: string };
  streams: { codec_type: string; codec_name: string }[];
}

describe('remote video, gifv and audio cached from a Mastodon-like server', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let fixtures: MediaFixtures;
  let n = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'subspace-remote-video-test-'));

  const fileUrl = (name: string) => `${remote.origin}/system/media/${name}`;
  const requestsFor = (name: string) => remote.received.filter((line) => line === `GET /system/media/${name}`).length;
  const serveFile = (name: string, bytes: Buffer, type: string) =>
    remote.route(`/system/media/${name}`, (_req, res) => void res.writeHead(200, { 'content-type': type, 'content-length': bytes.length }).end(bytes));

  before(async () => {
    remote = await startFakeRemote({ address: ADDRESS });
    // one worker thread: a video waiting for a transcode slot must not hold it (see the last test)
    instance = await startInstance({
      env: { ALLOWED_PRIVATE_ADDRESSES: ADDRESS },
      roles: { web: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency: 1 } },
    });
    alice = await instance.createUser('alice');
    fixtures = await makeMediaFixtures(ffmpegBinary(instance.config));
    await fabricateFollow(instance.ctx, alice.accountId, await resolveRemoteAccount(instance, alice, remote.handle));
  });
  after(async () => {
    await instance?.close();
    await remote?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const deliver = async (attachment: unknown[]) => {
    const id = `${remote.actorId}/statuses/${200 + ++n}`;
    return receiveStatus(instance, remote, remoteNote(remote, id, { content: `<p>media ${n}</p>`, attachment }), { context: CONTEXT, timeoutMs: TRANSCODED_WITHIN_MS });
  };
  const show = async (id: string) => {
    const response = await instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const settled = async () => {
    await queuesDrained(instance, ['ingress', 'pull'], TRANSCODED_WITHIN_MS);
    assert.deepEqual(await instance.ctx.queue.deadJobs(), [], 'no job failed for good');
  };
  const served = async (url: string) => {
    const response = await fetchStoredFile(instance, url);
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const probe = async (bytes: Buffer, name: string): Promise<Probed> => {
    const path = join(scratch, name);
    writeFileSync(path, bytes);
    const { stdout } = await execute(ffprobeBinary(instance.config), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
    return JSON.parse(stdout) as Probed;
  };
  const codecs = (probed: Probed) => probed.streams.map((stream) => `${stream.codec_type}:${stream.codec_name}`).sort();

  it('a Note with a video, a gifv and an audio attachment ends up served from this instance, processed as uploads are', async () => {
    serveFile('clip.webm', fixtures.webm, 'video/webm');
    serveFile('loop.mp4', fixtures.silentMpeg4, 'video/mp4');
    serveFile('tone.mp3', fixtures.mp3, 'audio/mpeg');
    serveFile('covered.mp3', fixtures.mp3WithCover, 'audio/mpeg');
    const row = await deliver([
      { type: 'Document', mediaType: 'video/webm', url: fileUrl('clip.webm'), name: 'A test pattern', focalPoint: [0.5, 0.25], width: 160, height: 120 },
      { type: 'Document', mediaType: 'video/mp4', url: fileUrl('loop.mp4'), name: null },
      { type: 'Document', mediaType: 'audio/mpeg', url: fileUrl('tone.mp3'), name: 'A tone' },
      { type: 'Document', mediaType: 'audio/mpeg', url: fileUrl('covered.mp3') },
    ]);
    // uncached meanwhile: video and audio are sent to their origin through the proxy (which never transcodes while a client waits)
    const body = await until(
      async () => {
        const shown = await show(row.id);
        return shown.media_attachments.every((item: { url: string }) => item.url.startsWith(instance.ctx.storage.url(''))) && shown;
      },
      'the attachments cached',
      TRANSCODED_WITHIN_MS,
    );
    await settled();
    const [video, gifv, audio, covered] = body.media_attachments;
    const stored = new RegExp(`^${storedUrlPattern(instance)}cache/media_attachments/files/(\\d{3}/)+`);

    assert.equal(video.type, 'video');
    assert.match(video.url, new RegExp(`${stored.source}original/[0-9a-f]{16}\\.mp4$`));
    assert.match(video.preview_url, new RegExp(`${stored.source}small/[0-9a-f]{16}\\.png$`));
    assert.equal(video.remote_url, fileUrl('clip.webm'), 'the origin is kept');
    assert.equal(video.description, 'A test pattern');
    assert.deepEqual(video.meta.focus, { x: 0.5, y: 0.25 });
    assert.equal(video.meta.original.width, 160);
    assert.equal(video.meta.original.height, 120);
    assert.equal(video.meta.original.frame_rate, '15/1');
    assert.ok(Math.abs(video.meta.original.duration - 1) < 0.2, `duration ${video.meta.original.duration}`);
    assert.deepEqual(video.meta.small, { width: 160, height: 120, size: '160x120', aspect: 160 / 120 });
    assert.match(video.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
    const videoFile = await served(video.url);
    assert.equal(videoFile.status, 200);
    assert.equal(videoFile.type, 'video/mp4');
    assert.deepEqual(codecs(await probe(videoFile.bytes, 'video.mp4')), ['audio:aac', 'video:h264'], 'the WebM (VP9/Opus) was transcoded');
    const preview = await served(video.preview_url);
    assert.equal(preview.status, 200);
    assert.equal((await sharp(preview.bytes).metadata()).format, 'png');

    assert.equal(gifv.type, 'gifv', 'a silent video becomes a gifv');
    assert.match(gifv.url, new RegExp(`${stored.source}original/[0-9a-f]{16}\\.mp4$`));
    assert.deepEqual(codecs(await probe((await served(gifv.url)).bytes, 'gifv.mp4')), ['video:h264'], 'MPEG-4 part 2 was transcoded to H.264');
    assert.equal(gifv.meta.original.width, 96);
    assert.equal(gifv.meta.original.frame_rate, '10/1');
    assert.equal((await served(gifv.preview_url)).status, 200);

    assert.equal(audio.type, 'audio');
    assert.match(audio.url, new RegExp(`${stored.source}original/[0-9a-f]{16}\\.mp3$`));
    assert.equal(audio.preview_url, null);
    assert.ok(Math.abs(audio.meta.original.duration - 1) < 0.2, `duration ${audio.meta.original.duration}`);
    assert.equal(audio.description, 'A tone');
    const audioFile = await served(audio.url);
    assert.equal(audioFile.type, 'audio/mpeg');
    assert.deepEqual(codecs(await probe(audioFile.bytes, 'audio.mp3')), ['audio:mp3']);

    // an audio file's cover becomes its thumbnail, as an upload's does
    assert.equal(covered.type, 'audio');
    assert.match(covered.preview_url, new RegExp(`^${storedUrlPattern(instance)}cache/media_attachments/thumbnails/(\\d{3}/)+original/[0-9a-f]{16}\\.png$`));
    assert.deepEqual(covered.meta.small, { width: 40, height: 30, size: '40x30', aspect: 40 / 30 });
    const cover = await served(covered.preview_url);
    assert.deepEqual([(await sharp(cover.bytes).metadata()).width, cover.type], [40, 'image/png']);
    assert.deepEqual(codecs(await probe((await served(covered.url)).bytes, 'covered.mp3')), ['audio:mp3'], 'the cover is not kept in the MP3');

    for (const name of ['clip.webm', 'loop.mp4', 'tone.mp3', 'covered.mp3']) assert.equal(requestsFor(name), 1, `${name} fetched once`);
    const [videoRow] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, video.id));
    assert.equal(videoRow!.contentType, 'video/mp4');
    assert.equal(videoRow!.fileSize, videoFile.bytes.length);
  });

  it('a broken remote video leaves nothing stored: the attachment stays a link to its origin', async () => {
    serveFile('noise.mp4', fixtures.undecodable, 'video/mp4');
    serveFile('truncated.mp4', fixtures.mp4.subarray(0, 600), 'video/mp4');
    const before = await storedKeys(instance, 'cache/');
    const row = await deliver([
      { type: 'Document', mediaType: 'video/mp4', url: fileUrl('noise.mp4') },
      { type: 'Document', mediaType: 'video/mp4', url: fileUrl('truncated.mp4') },
    ]);
    await until(async () => requestsFor('noise.mp4') > 0 && requestsFor('truncated.mp4') > 0, 'the downloads tried', TRANSCODED_WITHIN_MS);
    await settled();
    const rows = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row.id));
    assert.equal(rows.length, 2);
    assert.ok(
      rows.every((media) => media.fileKey === null && media.smallFileKey === null),
      'nothing stored',
    );
    assert.deepEqual(await storedKeys(instance, 'cache/'), before, 'no file was left in storage');
    const body = await show(row.id);
    for (const media of body.media_attachments) {
      assert.equal(media.url, `${BASE}/media_proxy/${media.id}/original`);
      const redirect = await fetch(new URL(`/media_proxy/${media.id}/original`, instance.url), { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), media.remote_url, 'the proxy sends clients to the origin');
    }
    assert.equal(requestsFor('noise.mp4'), 1, 'a file ffmpeg refused is not fetched again');
  });

  it('from a domain whose media are rejected, a video stays a link and is never fetched', async () => {
    await instance.ctx.db.insert(domainBlocks).values({ domain: remote.host, severity: 'noop', rejectMedia: true });
    await invalidateDomainPolicy(instance.ctx);
    try {
      serveFile('rejected.mp4', fixtures.mp4, 'video/mp4');
      const row = await deliver([{ type: 'Document', mediaType: 'video/mp4', url: fileUrl('rejected.mp4'), name: 'hidden' }]);
      await settled();
      const [media] = (await show(row.id)).media_attachments;
      assert.equal(media.type, 'unknown');
      assert.equal(media.remote_url, fileUrl('rejected.mp4'));
      assert.equal(media.url, `${BASE}/media_proxy/${media.id}/original`);
      assert.equal(media.preview_url, null);
      assert.equal((await fetch(new URL(`/media_proxy/${media.id}/original`, instance.url), { redirect: 'manual' })).status, 404);
      assert.equal(requestsFor('rejected.mp4'), 0, 'the peer saw no request for the file');
    } finally {
      await instance.ctx.db.delete(domainBlocks).where(eq(domainBlocks.domain, remote.host));
      await invalidateDomainPolicy(instance.ctx);
    }
  });

  it('a video that gets no transcode slot within the wait goes back to the queue before it is downloaded, leaving the pull thread to other jobs', async () => {
    const waits = observeSlotWaits({ waitMs: 300, retryDelayMs: 300 });
    let release!: () => void;
    const held = withTranscodeSlot(instance.config, () => new Promise<void>((resolve) => (release = resolve)));
    try {
      serveFile('busy.mp4', fixtures.mp4, 'video/mp4');
      const video = await deliver([{ type: 'Document', mediaType: 'video/mp4', url: fileUrl('busy.mp4') }]);
      await until(async () => waits.requeued > 0, 'the video’s job to go back to the queue');
      // the only worker thread is free: a Note and its image are stored and cached meanwhile
      serveFile(
        'meanwhile.png',
        await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } })
          .png()
          .toBuffer(),
        'image/png',
      );
      const image = await deliver([{ type: 'Document', mediaType: 'image/png', url: fileUrl('meanwhile.png') }]);
      await until(async () => (await show(image.id)).media_attachments[0].url.startsWith(instance.ctx.storage.url('')), 'the image cached while the video waits', 10_000);
      assert.equal(requestsFor('busy.mp4'), 0, 'not downloaded while no slot is free');
      assert.equal((await show(video.id)).media_attachments[0].url.startsWith(instance.ctx.storage.url('')), false);
      release();
      await held;
      await until(async () => (await show(video.id)).media_attachments[0].url.startsWith(instance.ctx.storage.url('')), 'the video cached once a slot is free', TRANSCODED_WITHIN_MS);
      assert.equal(requestsFor('busy.mp4'), 1);
      assert.deepEqual(await instance.ctx.queue.deadJobs(), []);
    } finally {
      release();
      restoreSlotWaits();
    }
  });
});

describe('the download deadline of a remote file', () => {
  it('grows with the size allowed (at least 512 KiB/s on average), from 30 s up to a bound of 5 minutes', () => {
    assert.equal(downloadDeadlineMs(1024 * 1024), 30_000, 'a small file keeps Mastodon’s 30 s');
    assert.equal(downloadDeadlineMs(MEDIA_LIMITS.image_size_limit), 32_000);
    assert.ok(downloadDeadlineMs(MEDIA_LIMITS.video_size_limit) >= 190_000, 'a 99 MB video gets over three minutes');
    assert.equal(downloadDeadlineMs(10 * 1024 * 1024 * 1024), 300_000, 'never more than 5 minutes');
  });
});
