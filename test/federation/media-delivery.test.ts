import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fetchStoredFile } from '../helpers/stored-files.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe('a member’s images go to other servers', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;

  before(async () => {
    const address = claimLoopbackAddress();
    remote = await startFakeRemote({ address });
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: address } });
    alice = await instance.createUser('alice');
    const followId = `${remote.origin}/follows/1`;
    const response = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, { '@context': AS, id: followId, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` });
    assert.equal(response.status, 202, response.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
  });
  after(async () => {
    await instance?.close();
    await remote?.close();
  });

  async function upload(bytes: Buffer, fields: Record<string, string>) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'picture.png');
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    const response = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    assert.equal(response.status, 200);
    return (await response.json()) as { id: string; url: string; blurhash: string };
  }

  it('a post with an image and alt text carries a Document as Mastodon sends it, and its file can be fetched', async () => {
    const png = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const media = await upload(png, { description: 'A blue field', focus: '0.25,-0.5' });
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'Look', media_ids: [media.id] } });
    assert.equal(posted.status, 200, posted.text);

    const create = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Create' && entry.body.object?.id === posted.body.uri), 'the Create');
    const contexts = list(create.body['@context']);
    assert.ok(
      contexts.some((context: any) => context?.blurhash === 'toot:blurhash' && context?.focalPoint?.['@id'] === 'toot:focalPoint' && context?.toot === 'http://joinmastodon.org/ns#'),
      JSON.stringify(contexts),
    );
    const [document] = list(create.body.object.attachment) as any[];
    assert.equal(document.type, 'Document');
    assert.equal(document.mediaType, 'image/png');
    assert.equal(document.url, media.url);
    assert.equal(document.name, 'A blue field');
    assert.equal(document.blurhash, media.blurhash);
    assert.deepEqual(document.focalPoint, [0.25, -0.5]);
    assert.equal(document.width, 120);
    assert.equal(document.height, 80);

    const file = await fetchStoredFile(instance, document.url);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'image/png');
    const metadata = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
    assert.equal(`${metadata.width}x${metadata.height}`, '120x80');

    // the Note served at its URI carries the same attachment
    const note = await instance.request('GET', new URL(posted.body.uri).pathname, { headers: { accept: 'application/activity+json' } });
    assert.equal(note.status, 200, note.text);
    const [served] = list(note.body.attachment) as any[];
    assert.equal(served.url, media.url);
    assert.equal(served.blurhash, media.blurhash);

    // an edit of the alt text goes out as an Update carrying the changed Document
    const edited = await instance.request('PUT', `/api/v1/statuses/${posted.body.id}`, {
      token: alice.token,
      json: { status: 'Look again', media_ids: [media.id], media_attributes: [{ id: media.id, description: 'A darker blue field' }] },
    });
    assert.equal(edited.status, 200, edited.text);
    const update = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Update' && entry.body.object?.id === posted.body.uri), 'the Update');
    const [changed] = list(update.body.object.attachment) as any[];
    assert.equal(changed.name, 'A darker blue field');
    assert.equal(changed.blurhash, media.blurhash);
    assert.deepEqual(changed.focalPoint, [0.25, -0.5]);
  });
});
