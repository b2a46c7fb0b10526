import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

const PNG_SIGNATURE = '89504e470d0a1a0a';

async function fetchBytes(instance: TestInstance, path: string) {
  const response = await fetch(new URL(path, instance.url));
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The PNG's width and height, from its IHDR chunk. */
const pngSize = (bytes: Buffer) => `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;

describe('app icons, favicon and web manifest', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  it('lists the icon sizes Mastodon lists in /api/v2/instance, each a PNG of that size', async () => {
    const response = await instance.request('GET', '/api/v2/instance');
    assert.equal(response.status, 200);
    const icons = response.body.icon as { src: string; size: string }[];
    assert.deepEqual(
      icons.map((icon) => icon.size),
      ['36x36', '48x48', '72x72', '96x96', '144x144', '192x192', '256x256', '384x384', '512x512'],
    );
    for (const icon of icons) {
      assert.ok(icon.src.startsWith('http://subspace.test/'), icon.src);
      const { response: file, bytes } = await fetchBytes(instance, new URL(icon.src).pathname);
      assert.equal(file.status, 200, icon.src);
      assert.equal(file.headers.get('content-type'), 'image/png');
      assert.match(file.headers.get('cache-control') ?? '', /public, max-age=\d+/);
      assert.equal(bytes.subarray(0, 8).toString('hex'), PNG_SIGNATURE);
      assert.equal(pngSize(bytes), icon.size);
    }
  });

  it('serves /favicon.ico and /apple-touch-icon.png', async () => {
    const favicon = await fetchBytes(instance, '/favicon.ico');
    assert.equal(favicon.response.status, 200);
    assert.equal(favicon.response.headers.get('content-type'), 'image/x-icon');
    assert.match(favicon.response.headers.get('cache-control') ?? '', /public, max-age=\d+/);
    // an ICO header: reserved 0, type 1 (icon), then its images
    assert.equal(favicon.bytes.readUInt16LE(0), 0);
    assert.equal(favicon.bytes.readUInt16LE(2), 1);
    assert.ok(favicon.bytes.readUInt16LE(4) >= 1);
    const touch = await fetchBytes(instance, '/apple-touch-icon.png');
    assert.equal(touch.response.status, 200);
    assert.equal(pngSize(touch.bytes), '180x180');
  });

  it('serves the web manifest at /manifest and /manifest.json with the same icons', async () => {
    for (const path of ['/manifest', '/manifest.json']) {
      const response = await instance.request('GET', path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /json/);
      assert.equal(response.body.name, 'Subspace');
      assert.equal(response.body.display, 'standalone');
      assert.equal(response.body.icons.length, 9);
      assert.deepEqual(response.body.icons[5], { src: 'http://subspace.test/icons/android-chrome-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'any maskable' });
    }
  });
});
