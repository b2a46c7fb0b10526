import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { createRestAPIClient } from 'masto';
import sharp from 'sharp';
import { accounts } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fetchStoredFile, isStored, storedKeys, storedUrlPattern } from '../helpers/stored-files.ts';
import { BASE } from '../helpers/constants.ts';

const AP = { accept: 'application/activity+json' };
type Rgb = [number, number, number];

/**
 * A 400×200 JPEG, red on the left and blue on the right, with GPS in its EXIF and orientation 6: it
 * is shown turned a quarter clockwise, 200×400, red on top and blue below.
 */
async function sidewaysJpegWithGps(): Promise<Buffer> {
  const half = (background: string) =>
    sharp({ create: { width: 200, height: 200, channels: 3, background } })
      .png()
      .toBuffer();
  const bytes = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#000' } })
    .composite([
      { input: await half('#ff0000'), left: 0, top: 0 },
      { input: await half('#0000ff'), left: 200, top: 0 },
    ])
    .withExif({ IFD0: { Make: 'Phone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  const metadata = await sharp(bytes).metadata();
  assert.equal(metadata.orientation, 6);
  assert.ok(metadata.exif?.includes(Buffer.from('Phone')) && metadata.exif.includes(Buffer.from('N\0')), 'the test file carries EXIF with GPS');
  return bytes;
}

/** An animated GIF of 600×300 frames: red, green, blue. */
async function animatedGif(width = 600, height = 300): Promise<Buffer> {
  const frame = (background: string) =>
    sharp({ create: { width, height, channels: 3, background } })
      .png()
      .toBuffer();
  return sharp([await frame('#ff0000'), await frame('#00ff00'), await frame('#0000ff')], { join: { animated: true } })
    .gif({ delay: [200, 200, 200], loop: 0 })
    .toBuffer();
}

/** A PNG whose header declares `width`×`height` pixels while its data is a few bytes (a decompression bomb). */
function declaredPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

const png = (width: number, height: number, background = '#336699') =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

async function pixel(bytes: Buffer, x: number, y: number, page = 0): Promise<Rgb> {
  const { data, info } = await sharp(bytes, { page }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * 3;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

function assertColour(actual: Rgb, expected: Rgb, what: string) {
  assert.ok(
    actual.every((value, i) => Math.abs(value - expected[i]!) < 40),
    `${what}: ${actual.join(',')} is not ${expected.join(',')}`,
  );
}

describe('avatars and headers (update_credentials, /api/v1/profile, the actor)', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(async () => instance?.close());

  /** The multipart PATCH a Mastodon app sends: files under `avatar`/`header`, other params as fields. */
  async function updateCredentials(user: TestUser, files: Record<string, { bytes: Buffer; name?: string; type?: string }>, fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    for (const [key, file] of Object.entries(files)) form.append(key, new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name ?? 'upload');
    const response = await fetch(`${instance.url}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { authorization: `Bearer ${user.token}` }, body: form });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  }

  /** A file an account URL points at, fetched where it is served (this instance or the S3 bucket). */
  async function served(url: string) {
    const response = await fetchStoredFile(instance, url);
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  }

  const me = async (user: TestUser) => (await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: user.token })).body;

  it('takes a JPEG avatar: upright, cropped to 400×400, without EXIF or GPS; avatar_static is the same file', async () => {
    const updated = await updateCredentials(alice, { avatar: { bytes: await sidewaysJpegWithGps(), name: 'me.jpg', type: 'image/jpeg' } }, { avatar_description: 'A red and blue square' });
    assert.equal(updated.status, 200, updated.text);
    const account = updated.body;
    assert.match(account.avatar, new RegExp(`^${storedUrlPattern(instance)}accounts/avatars/(\\d{3}/)+original/[0-9a-f]{16}\\.jpg$`));
    assert.equal(account.avatar_static, account.avatar);
    assert.equal(account.avatar_description, 'A red and blue square');
    assert.equal(account.header, `${BASE}/headers/original/missing.png`);
    assert.ok(account.source, 'answers with the CredentialAccount');

    const file = await served(account.avatar);
    assert.equal(file.status, 200);
    assert.equal(file.type, 'image/jpeg');
    const metadata = await sharp(file.bytes).metadata();
    assert.equal(`${metadata.format} ${metadata.width}x${metadata.height}`, 'jpeg 400x400');
    assert.equal(metadata.exif, undefined, 'no EXIF (no GPS) is served');
    assert.equal(metadata.orientation, undefined);
    assert.ok(!file.bytes.includes(Buffer.from('Phone')), 'nothing of the EXIF is left in the file');
    // turned as its orientation said: red above, blue below (unturned, red would be on the left)
    assertColour(await pixel(file.bytes, 200, 20), [255, 0, 0], 'top');
    assertColour(await pixel(file.bytes, 200, 380), [0, 0, 255], 'bottom');

    const shown = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`);
    assert.equal(shown.body.avatar, account.avatar, 'every rendering of the account shows it');
    const userinfo = await instance.request('GET', '/oauth/userinfo', { token: alice.token });
    assert.equal(userinfo.body.picture, account.avatar);
  });

  it('takes a header, scaled down within 1500×500 worth of pixels, in its own format', async () => {
    const updated = await updateCredentials(alice, { header: { bytes: await png(3000, 1000), name: 'banner.png', type: 'image/png' } });
    assert.equal(updated.status, 200, updated.text);
    assert.match(updated.body.header, new RegExp(`^${storedUrlPattern(instance)}accounts/headers/(\\d{3}/)+original/[0-9a-f]{16}\\.png$`));
    assert.equal(updated.body.header_static, updated.body.header);
    const metadata = await sharp((await served(updated.body.header)).bytes).metadata();
    assert.equal(`${metadata.format} ${metadata.width}x${metadata.height}`, 'png 1500x500');

    const small = await updateCredentials(alice, { header: { bytes: await png(600, 200), name: 'small.png' } });
    const smallMetadata = await sharp((await served(small.body.header)).bytes).metadata();
    assert.equal(`${smallMetadata.width}x${smallMetadata.height}`, '600x200', 'a small header is not enlarged');
  });

  it('keeps an animated GIF avatar animated, with a still first frame as PNG for avatar_static, and removes the files it replaces', async () => {
    const before = await me(alice);
    const updated = await updateCredentials(alice, { avatar: { bytes: await animatedGif(), name: 'dance.gif', type: 'image/gif' } });
    assert.equal(updated.status, 200, updated.text);
    const account = updated.body;
    assert.match(account.avatar, /\/accounts\/avatars\/(\d{3}\/)+original\/[0-9a-f]{16}\.gif$/);
    assert.match(account.avatar_static, /\/accounts\/avatars\/(\d{3}\/)+static\/[0-9a-f]{16}\.png$/);
    assert.notEqual(account.avatar_static, account.avatar);
    assert.equal(account.avatar_description, 'A red and blue square', 'the description stays until it is changed');

    const animated = await served(account.avatar);
    assert.equal(animated.type, 'image/gif');
    const animation = await sharp(animated.bytes, { animated: true }).metadata();
    assert.equal(animation.format, 'gif');
    assert.equal(animation.pages, 3, 'every frame is kept');
    assert.equal(`${animation.width}x${animation.pageHeight}`, '300x300', 'cropped square, not enlarged');
    assertColour(await pixel(animated.bytes, 150, 150, 1), [0, 255, 0], 'second frame');

    const still = await served(account.avatar_static);
    assert.equal(still.type, 'image/png');
    const stillMetadata = await sharp(still.bytes).metadata();
    assert.equal(`${stillMetadata.format} ${stillMetadata.width}x${stillMetadata.height} ${stillMetadata.pages ?? 1}`, 'png 300x300 1');
    assertColour(await pixel(still.bytes, 150, 150), [255, 0, 0], 'the first frame');

    // the JPEG it replaced is gone, from the storage and from the web
    assert.equal(await isStored(instance, before.avatar), false);
    assert.equal((await served(before.avatar)).status, 404);
    assert.equal(await isStored(instance, account.avatar), true);
  });

  it('serves them on the actor as Mastodon does: icon and image as Image with mediaType and url', async () => {
    const account = await me(alice);
    const actor = (await instance.request('GET', '/users/alice', { headers: AP })).body;
    assert.deepEqual(actor.icon, { type: 'Image', mediaType: 'image/gif', url: account.avatar, name: 'A red and blue square' });
    assert.deepEqual(actor.image, { type: 'Image', mediaType: 'image/png', url: account.header });
    const webfinger = (await instance.request('GET', '/.well-known/webfinger?resource=acct:alice@subspace.test')).body;
    const avatarLink = webfinger.links.find((link: { rel: string }) => link.rel === 'http://webfinger.net/rel/avatar');
    assert.equal(avatarLink?.href, account.avatar);
  });

  it('refuses bad files with 422 and Mastodon’s messages, changing nothing', async () => {
    const before = await me(alice);
    const filesBefore = await storedKeys(instance);
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const cases: [string, Record<string, { bytes: Buffer; name?: string; type?: string }>, RegExp][] = [
      ['text', { avatar: { bytes: Buffer.from('not an image'), name: 'a.png', type: 'image/png' } }, /^Validation failed: Avatar content type is invalid, Avatar is invalid$/],
      ['SVG', { header: { bytes: svg, name: 'h.svg', type: 'image/svg+xml' } }, /^Validation failed: Header content type is invalid/],
      ['truncated JPEG', { avatar: { bytes: jpeg.subarray(0, Math.floor(jpeg.length / 2)), name: 'a.jpg', type: 'image/jpeg' } }, /^Validation failed: Avatar content type is invalid/],
      [
        '8 MB',
        { avatar: { bytes: Buffer.concat([jpeg, Buffer.alloc(8 * 1024 * 1024)]), name: 'a.jpg' } },
        /^Validation failed: Avatar file size must be less than 8 MB, Avatar must be less than 8 MB$/,
      ],
      ['a GIF frame over 1280×720', { header: { bytes: await animatedGif(1300, 720), name: 'h.gif' } }, /^Validation failed: Header 1300x720 GIF files are not supported$/],
      ['pixels over 7680×4320 (a pixel bomb)', { avatar: { bytes: declaredPng(100_000, 100_000) } }, /^Validation failed: Avatar 100000x100000 images are not supported$/],
      ['a good avatar with a bad header', { avatar: { bytes: await png(50, 50) }, header: { bytes: Buffer.from('GIF89a garbage') } }, /^Validation failed: Header content type is invalid/],
    ];
    for (const [what, files, message] of cases) {
      const response = await updateCredentials(alice, files, { display_name: 'Changed' });
      assert.equal(response.status, 422, `${what}: ${response.text}`);
      assert.match(response.body.error, message, what);
      assert.ok(response.body.details, what);
    }
    const tooLong = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json: { avatar_description: 'x'.repeat(1501), display_name: 'Changed' } });
    assert.equal(tooLong.status, 422);
    assert.equal(tooLong.body.error, 'Validation failed: Avatar description is too long (maximum is 1500 characters)');

    assert.deepEqual(await me(alice), before, 'nothing changed');
    assert.deepEqual(await storedKeys(instance), filesBefore, 'no file left behind');
  });

  it('removes them with DELETE /api/v1/profile/avatar and /header, answering the CredentialAccount', async () => {
    const before = await me(alice);
    const avatar = await instance.request('DELETE', '/api/v1/profile/avatar', { token: alice.token });
    assert.equal(avatar.status, 200, avatar.text);
    assert.equal(avatar.body.avatar, `${BASE}/avatars/original/missing.png`);
    assert.equal(avatar.body.avatar_static, `${BASE}/avatars/original/missing.png`);
    assert.equal(avatar.body.header, before.header, 'the header stays');
    assert.ok(avatar.body.source);
    for (const url of [before.avatar, before.avatar_static]) assert.equal(await isStored(instance, url), false, `${url} is removed`);

    const header = await instance.request('DELETE', '/api/v1/profile/header', { token: alice.token });
    assert.equal(header.status, 200, header.text);
    assert.equal(header.body.header, `${BASE}/headers/original/missing.png`);
    assert.equal(await isStored(instance, before.header), false);
    const again = await instance.request('DELETE', '/api/v1/profile/header', { token: alice.token });
    assert.equal(again.status, 200, 'removing what is not there is fine');

    const actor = (await instance.request('GET', '/users/alice', { headers: AP })).body;
    assert.equal(actor.icon, undefined);
    assert.equal(actor.image, undefined);

    const reader = await instance.createUser('reader', { scopes: 'read' });
    assert.equal((await instance.request('DELETE', '/api/v1/profile/avatar', { token: reader.token })).status, 403);
    assert.equal((await instance.request('DELETE', '/api/v1/profile/avatar')).status, 401);
  });

  it('takes an avatar as masto.js and Mastodon.py send one, with other profile changes in the same request', async () => {
    const bob = await instance.createUser('bob');
    const client = createRestAPIClient({ url: instance.url, accessToken: bob.token });
    const bytes = await png(640, 480, '#00aa00');
    const account = await client.v1.accounts.updateCredentials({ avatar: new Blob([new Uint8Array(bytes)], { type: 'image/png' }), displayName: 'Bob' });
    assert.equal(account.displayName, 'Bob');
    assert.match(account.avatar, new RegExp(`^${storedUrlPattern(instance)}accounts/avatars/(\\d{3}/)+original/[0-9a-f]{16}\\.png$`));
    const metadata = await sharp((await served(account.avatar)).bytes).metadata();
    assert.equal(`${metadata.width}x${metadata.height}`, '400x400');

    // Mastodon.py's account_update_credentials(avatar=…, header=…, fields=…): a generated file name, fields_attributes[i][…]
    const python = await updateCredentials(
      bob,
      {
        avatar: { bytes: await sidewaysJpegWithGps(), name: 'mastodonpyupload_1700000000.123_abcdef.jpg', type: 'image/jpeg' },
        header: { bytes: await png(1500, 500), name: 'mastodonpyupload_1700000000.456_ghijkl.png', type: 'image/png' },
      },
      { note: 'Hi', 'fields_attributes[0][name]': 'Site', 'fields_attributes[0][value]': 'https://bob.example' },
    );
    assert.equal(python.status, 200, python.text);
    assert.match(python.body.avatar, /\.jpg$/);
    assert.match(python.body.header, /\.png$/);
    assert.equal(python.body.source.note, 'Hi');
    assert.deepEqual(
      python.body.fields.map((field: { name: string }) => field.name),
      ['Site'],
    );
    assert.equal(await isStored(instance, account.avatar), false, 'the masto.js avatar it replaced is removed');

    // an empty file field (a form's file input left empty) and a blank value change nothing; JSON null removes
    const unchanged = await updateCredentials(bob, { avatar: { bytes: Buffer.alloc(0), name: '' } }, { header: '' });
    assert.equal(unchanged.status, 200, unchanged.text);
    assert.equal(unchanged.body.avatar, python.body.avatar);
    assert.equal(unchanged.body.header, python.body.header);
    const inline = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: bob.token,
      json: { avatar: `data:image/png;base64,${(await png(10, 10)).toString('base64')}`, header: null },
    });
    assert.equal(inline.status, 200, inline.text);
    assert.match(inline.body.avatar, /\.png$/, 'a data URI is a file, as Paperclip reads one');
    assert.equal(inline.body.header, `${BASE}/headers/original/missing.png`);
  });

  it('shows a remote account’s stored copy when there is one, Mastodon’s placeholders otherwise (never its server’s URL) and while suspended', async () => {
    const [remote] = await instance.ctx.db
      .insert(accounts)
      .values({
        username: 'zoe',
        domain: 'remote.example',
        uri: 'https://remote.example/users/zoe',
        avatarRemoteUrl: 'https://remote.example/zoe.gif',
        headerRemoteUrl: 'https://remote.example/zoe-header.jpg',
        protocol: 'activitypub',
      })
      .returning();
    const show = async () => (await instance.request('GET', `/api/v1/accounts/${remote!.id}`)).body;
    let shown = await show();
    assert.equal(shown.avatar, `${BASE}/avatars/original/missing.png`);
    assert.equal(shown.avatar_static, `${BASE}/avatars/original/missing.png`);
    assert.equal(shown.header, `${BASE}/headers/original/missing.png`);

    await instance.ctx.db
      .update(accounts)
      .set({ avatarFileKey: 'accounts/avatars/1/original/cached.gif', avatarStaticFileKey: 'accounts/avatars/1/static/cached.png', avatarContentType: 'image/gif' })
      .where(eq(accounts.id, remote!.id));
    shown = await show();
    assert.equal(shown.avatar, instance.ctx.storage.url('accounts/avatars/1/original/cached.gif'));
    assert.equal(shown.avatar_static, instance.ctx.storage.url('accounts/avatars/1/static/cached.png'));
    assert.equal(shown.header, `${BASE}/headers/original/missing.png`);

    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, remote!.id));
    shown = await show();
    assert.equal(shown.avatar, `${BASE}/avatars/original/missing.png`);
    assert.equal(shown.header_static, `${BASE}/headers/original/missing.png`);
  });
});
