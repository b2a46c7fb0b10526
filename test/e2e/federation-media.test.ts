import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { domainBlocks, mediaAttachments } from '../../src/db/schema.ts';
import { invalidateDomainPolicy } from '../../src/services/moderation/instance-domain-blocks.ts';
import { uncacheAttachments } from '../../src/services/activitypub/remote-media-cache.ts';
import { startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import { fetchStoredFile, storedUrlPattern } from '../helpers/stored-files.ts';

/**
 * A post with a picture between two Subspace instances on loopback addresses of their own: the
 * receiving instance stores its own copy of the file and shows it from its own host, as Mastodon
 * does, the origin kept as `remote_url`. (Shapes from other servers: remote-media-cache.test.ts.)
 */

/** A JPEG with EXIF (camera make and GPS position), as a phone writes it. */
function photoWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 240, g: 160, b: 20 } } })
    .withExif({ IFD0: { Make: 'BobPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
    .jpeg()
    .toBuffer();
}

describe('two instances: a post’s media are cached by the server that receives it', () => {
  let one: TestInstance;
  let two: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    one = await startOn();
    two = await startOn();
    alice = await one.createUser('alice');
    bob = await two.createUser('bob');
    const acct = `bob@${two.config.localDomain}`;
    const found = await one.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${acct}`)}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(found.body.accounts[0]?.acct, acct, found.text);
    const followed = await one.request('POST', `/api/v1/accounts/${found.body.accounts[0].id}/follow`, { token: alice.token });
    assert.equal(followed.status, 200, followed.text);
    await until(async () => (await one.request('GET', `/api/v1/accounts/relationships?id[]=${found.body.accounts[0].id}`, { token: alice.token })).body[0]?.following, 'alice following bob');
  });
  after(async () => {
    await one?.close();
    await two?.close();
  });

  /** bob posts a picture on two with alt text and a focal point */
  async function postPicture(text: string) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await photoWithGps())], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('description', 'An orange field at dusk');
    form.append('focus', '0.3,-0.6');
    const uploaded = await fetch(`${two.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${bob.token}` }, body: form });
    const media = await uploaded.json();
    assert.equal(uploaded.status, 200, JSON.stringify(media));
    const posted = await two.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: text, media_ids: [media.id] } });
    assert.equal(posted.status, 200, posted.text);
    return posted.body;
  }

  /** the status as alice sees it on one, once it arrived (and, with `cached`, once its picture is stored there) */
  const onOne = (uri: string, cached: boolean) =>
    until(async () => {
      const home = await one.request('GET', '/api/v1/timelines/home', { token: alice.token });
      const status = (home.body as { uri: string; media_attachments: { url: string }[] }[]).find((item) => item.uri === uri);
      return status && (!cached || status.media_attachments[0]?.url.startsWith(one.ctx.storage.url(''))) && status;
    }, `${uri} on one`);

  const fetchFrom = async (instance: TestInstance, url: string) => {
    const response = await fetchStoredFile(instance, url, { redirect: 'manual' });
    return { status: response.status, location: response.headers.get('location'), bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it('alt text, focus and blurhash arrive; one shows its own stored copy, without EXIF, and keeps two’s URL as remote_url', async () => {
    const posted = await postPicture('a picture from two');
    const [sent] = posted.media_attachments;
    const seen: any = await onOne(posted.uri, true);
    const [media] = seen.media_attachments;
    // served from one's storage (its /system/ path, or its S3 bucket)
    assert.match(media.url, new RegExp(`^${storedUrlPattern(one)}cache/media_attachments/files/(\\d{3}/)+original/[0-9a-f]{16}\\.jpg$`), 'served by one');
    assert.ok(media.preview_url.startsWith(one.ctx.storage.url('cache/media_attachments/files/')), media.preview_url);
    assert.equal(media.remote_url, sent.url, 'the origin is two’s file');
    assert.equal(media.type, 'image');
    assert.equal(media.description, 'An orange field at dusk');
    assert.deepEqual(media.meta.focus, { x: 0.3, y: -0.6 });
    assert.equal(media.blurhash, sent.blurhash);
    assert.deepEqual(media.meta.original, sent.meta.original);

    const file = await fetchFrom(one, media.url);
    assert.equal(file.status, 200);
    const metadata = await sharp(file.bytes).metadata();
    assert.equal(metadata.exif, undefined);
    assert.deepEqual([metadata.width, metadata.height], [900, 600]);
    assert.ok(!file.bytes.includes(Buffer.from('BobPhone')));

    // once purged (media cleanup), the media proxy fetches it from two again
    const [row] = await one.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, media.id));
    await uncacheAttachments(one.ctx, [row!]);
    const purged = (await one.request('GET', `/api/v1/statuses/${seen.id}`, { token: alice.token })).body.media_attachments[0];
    assert.equal(purged.url, `http://${one.config.localDomain}/media_proxy/${media.id}/original`);
    const redirect = await fetchFrom(one, purged.url);
    assert.equal(redirect.status, 302);
    assert.ok(redirect.location!.startsWith(one.ctx.storage.url('cache/media_attachments/files/')), redirect.location!);
    assert.equal((await fetchFrom(one, redirect.location!)).status, 200);
  });

  it('with two’s media rejected, one keeps links only and stores nothing', async () => {
    await one.ctx.db.insert(domainBlocks).values({ domain: two.config.localDomain.replace(/:\d+$/, ''), severity: 'noop', rejectMedia: true });
    await invalidateDomainPolicy(one.ctx);
    const posted = await postPicture('rejected media');
    const seen: any = await onOne(posted.uri, false);
    const [media] = seen.media_attachments;
    assert.equal(media.type, 'unknown');
    assert.equal(media.remote_url, posted.media_attachments[0].url);
    assert.equal(media.url, `http://${one.config.localDomain}/media_proxy/${media.id}/original`);
    assert.equal((await fetchFrom(one, media.url)).status, 404, 'the proxy does not fetch it either');
    const [row] = await one.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, media.id));
    assert.equal(row!.fileKey, null);
  });
});
