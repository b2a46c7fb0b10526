import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { invalidateDomainPolicy } from '../../src/services/moderation/instance-domain-blocks.ts';
import { domainBlocks, mediaAttachments, statuses } from '../../src/db/schema.ts';
import { channels, publishToStream } from '../../src/streaming/channels.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { openEventStream, untilListening } from '../helpers/stream-clients.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

// Mastodon's own context for blurhash and focalPoint
const CONTEXT = [AS, { toot: 'http://joinmastodon.org/ns#', blurhash: 'toot:blurhash', focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' } }];
const BLURHASH = 'LEHV6nWB2yk8pyo0adR*.7kCMdnj';

describe('remote media as their servers describe them', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    await fabricateFollow(instance.ctx, alice.accountId, await resolveRemoteAccount(instance, alice, remote.handle));
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const files = (name: string) => `${remote.origin}/system/media/${name}`;
  const note = (attachment: unknown[], extra: Record<string, unknown> = {}) => {
    const id = `${remote.actorId}/statuses/media-${++n}`;
    return {
      id,
      type: 'Note',
      attributedTo: remote.actorId,
      content: `<p>with media ${n}</p>`,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${remote.actorId}/followers`],
      attachment,
      ...extra,
    };
  };
  const create = (object: { id: string }) => ({ '@context': CONTEXT, id: `${object.id}/activity`, type: 'Create', actor: remote.actorId, to: [PUBLIC], cc: [`${remote.actorId}/followers`], object });
  const post = async (activity: unknown) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, activity);
    assert.equal(response.status, 202, response.text);
  };
  const arrived = (uri: string) =>
    until(
      () =>
        instance.ctx.db
          .select()
          .from(statuses)
          .where(eq(statuses.uri, uri))
          .then((rows) => rows[0]),
      `status ${uri}`,
    );
  const settled = async () => {
    await until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const show = async (id: string) => (await instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token })).body;

  it('shows attachments in order as Mastodon shows uncached remote media (through its media proxy): type from the MIME type, description, blurhash, size and focus', async () => {
    const object = note([
      { type: 'Document', mediaType: 'image/jpeg', url: files('a.jpg'), name: '  a cat on a mat  ', blurhash: BLURHASH, width: 1200, height: 800, focalPoint: [0.5, -0.25] },
      { type: 'Document', mediaType: 'video/mp4', url: { type: 'Link', href: files('b.mp4') }, name: null, blurhash: 'not a blurhash!' },
      { type: 'Document', mediaType: 'application/pdf', url: files('c.pdf'), summary: 'a paper' },
      { type: 'Document', mediaType: 'text/html', url: 'javascript:alert(1)' },
      { type: 'Audio', mediaType: 'audio/mpeg', url: files('d.mp3') },
      { type: 'Image', mediaType: 'image/gif', url: files('e.gif') },
    ]);
    await post(create(object));
    const row = await arrived(object.id);
    const body = await show(row.id);
    const media = body.media_attachments;
    assert.equal(media.length, 4, 'four at most, the javascript: one skipped');
    assert.deepEqual(
      media.map((item: { type: string; remote_url: string }) => [item.type, item.remote_url]),
      [
        ['image', files('a.jpg')],
        ['video', files('b.mp4')],
        ['unknown', files('c.pdf')],
        ['audio', files('d.mp3')],
      ],
    );
    const [image, video, unknown, audio] = media;
    assert.equal(typeof image.id, 'string');
    const proxied = (item: { id: string }, style: string) => `${BASE}/media_proxy/${item.id}/${style}`;
    assert.deepEqual(image, {
      id: image.id,
      type: 'image',
      url: proxied(image, 'original'),
      preview_url: proxied(image, 'small'),
      remote_url: files('a.jpg'),
      preview_remote_url: null,
      text_url: null,
      meta: { original: { width: 1200, height: 800, size: '1200x800', aspect: 1.5 }, focus: { x: 0.5, y: -0.25 } },
      description: 'a cat on a mat',
      blurhash: BLURHASH,
    });
    assert.equal(video.url, proxied(video, 'original'));
    assert.equal(video.preview_url, null, 'no preview of a video while video is not processed here');
    assert.equal(video.blurhash, null, 'an invalid blurhash is dropped');
    assert.equal(video.description, null);
    assert.equal(unknown.url, proxied(unknown, 'original'), 'a url, as Mastodon gives (clients link an unknown one by its remote_url)');
    assert.equal(unknown.preview_url, null);
    assert.equal(unknown.description, 'a paper', 'summary is a description too');
    assert.equal(audio.url, proxied(audio, 'original'));
    // the proxy sends a type not stored here to its origin; an unknown one is never fetched
    const redirect = await fetch(new URL(`/media_proxy/${video.id}/original`, instance.url), { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), files('b.mp4'));
    assert.equal((await fetch(new URL(`/media_proxy/${unknown.id}/original`, instance.url), { redirect: 'manual' })).status, 404);
    assert.equal((await fetch(new URL(`/media_proxy/${video.id}/small`, instance.url), { redirect: 'manual' })).status, 404);
    // the home timeline renders the same (batch-loaded with the other statuses)
    const home = await instance.request('GET', '/api/v1/timelines/home', { token: alice.token });
    const inHome = home.body.find((item: { id: string }) => item.id === row.id);
    assert.deepEqual(inHome?.media_attachments, media);
    const plain = await until(async () => {
      const list = (await instance.request('GET', '/api/v1/timelines/home', { token: alice.token })).body;
      return list.length > 0 && list;
    }, 'the home timeline');
    assert.ok(plain.every((item: { media_attachments: unknown[] }) => Array.isArray(item.media_attachments)));
  });

  it('an edit replaces the attachments: the same URL keeps its id, a new description counts as an edit, dropped ones go', async () => {
    const object = note([
      { type: 'Document', mediaType: 'image/png', url: files('keep.png'), name: 'before' },
      { type: 'Document', mediaType: 'image/png', url: files('drop.png') },
    ]);
    await post(create(object));
    const row = await arrived(object.id);
    const before = (await show(row.id)).media_attachments;
    assert.equal(before.length, 2);
    const updated = {
      ...object,
      updated: new Date(Date.now() + 1000).toISOString(),
      attachment: [
        { type: 'Document', mediaType: 'image/webp', url: files('new.webp') },
        { type: 'Document', mediaType: 'image/png', url: files('keep.png'), name: 'after' },
      ],
    };
    await post({ '@context': CONTEXT, id: `${object.id}#updates/1`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: updated });
    const body = await until(async () => {
      const shown = await show(row.id);
      return shown.edited_at && shown;
    }, 'the edit');
    assert.deepEqual(
      body.media_attachments.map((item: { remote_url: string; description: string | null }) => [item.remote_url, item.description]),
      [
        [files('new.webp'), null],
        [files('keep.png'), 'after'],
      ],
    );
    assert.equal(body.media_attachments[1].id, before[0].id, 'the kept attachment keeps its id');
    const left = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row.id));
    assert.equal(left.length, 2, 'the dropped attachment is gone');
    const history = await instance.request('GET', `/api/v1/statuses/${row.id}/history`, { token: alice.token });
    assert.equal(history.body.length, 2, 'a change of media alone is an edit with history');

    // an Update changing nothing in the media or text is no new revision
    const same = { ...updated, updated: new Date(Date.now() + 2000).toISOString() };
    await post({ '@context': CONTEXT, id: `${object.id}#updates/2`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: same });
    await settled();
    assert.equal((await instance.request('GET', `/api/v1/statuses/${row.id}/history`, { token: alice.token })).body.length, 2);
  });

  it('from a domain whose media are rejected: attachments only as links, no custom emoji', async () => {
    const domain = remote.host;
    await instance.ctx.db.insert(domainBlocks).values({ domain, severity: 'noop', rejectMedia: true });
    await invalidateDomainPolicy(instance.ctx);
    try {
      const object = note([{ type: 'Document', mediaType: 'image/jpeg', url: files('blocked.jpg'), name: 'hidden', blurhash: BLURHASH, width: 10, height: 10 }], {
        content: '<p>look :rejected_emoji:</p>',
        tag: [{ type: 'Emoji', name: ':rejected_emoji:', icon: { type: 'Image', url: files('emoji.png') } }],
      });
      await post(create(object));
      const row = await arrived(object.id);
      const body = await show(row.id);
      assert.equal(body.media_attachments.length, 1);
      const [item] = body.media_attachments;
      assert.equal(item.type, 'unknown');
      assert.equal(item.url, `${BASE}/media_proxy/${item.id}/original`);
      assert.equal(item.preview_url, null);
      assert.equal(item.remote_url, files('blocked.jpg'));
      assert.equal(item.blurhash, null);
      assert.equal(item.meta, null);
      assert.deepEqual(body.emojis, []);
    } finally {
      await instance.ctx.db.delete(domainBlocks).where(eq(domainBlocks.domain, domain));
      await invalidateDomainPolicy(instance.ctx);
    }
  });

  it('a status fetched from its server (the original of a boost) keeps its attachments too', async () => {
    const object = { '@context': CONTEXT, ...note([{ type: 'Document', mediaType: 'image/png', url: files('fetched.png'), name: 'fetched' }]) };
    remote.serve(new URL(object.id).pathname, object);
    const announceId = `${remote.actorId}/statuses/${++n}/activity`;
    await post({ '@context': AS, id: announceId, type: 'Announce', actor: remote.actorId, published: new Date().toISOString(), to: [PUBLIC], cc: [`${remote.actorId}/followers`], object: object.id });
    await arrived(announceId);
    const original = await arrived(object.id);
    const body = await show(original.id);
    assert.deepEqual(
      body.media_attachments.map((item: { description: string }) => item.description),
      ['fetched'],
    );
  });

  it('bad attachments are skipped, never an error', async () => {
    const object = note([
      'https://not.embedded/only-a-uri',
      { type: 'Document', mediaType: 'image/png' },
      { type: 'Document', mediaType: 'image/png', url: 'ftp://example.com/x.png' },
      { type: 'Document', mediaType: 'image/png', url: files('ok.png'), width: -5, height: 'tall', focalPoint: [5, 5], name: 'x'.repeat(20_000) },
    ]);
    await post(create(object));
    const row = await arrived(object.id);
    await settled();
    const body = await show(row.id);
    assert.equal(body.media_attachments.length, 1);
    const [item] = body.media_attachments;
    assert.equal(item.meta, null, 'no bogus size or focus');
    assert.equal(item.description.length, 10_000);
  });

  it('the public:remote:media stream carries a remote status with media, not one without', async () => {
    const stream = await openEventStream(instance.url, 'public/remote?only_media=true', alice.token);
    try {
      await untilListening(stream, (probe) => publishToStream(instance.ctx, channels.public('remote', true), 'delete', probe));
      const plain = note([]);
      const withMedia = note([{ type: 'Document', mediaType: 'image/jpeg', url: files('streamed.jpg') }]);
      await post(create(plain));
      await post(create(withMedia));
      const event = await stream.next((item) => item.event === 'update', 20_000);
      const payload = event.payload as { uri: string; media_attachments: { remote_url: string }[] };
      assert.equal(payload.uri, withMedia.id, 'the status without media is not streamed here');
      assert.deepEqual(
        payload.media_attachments.map((item) => item.remote_url),
        [files('streamed.jpg')],
      );
    } finally {
      stream.close();
    }
  });

  it('only_media: the public timeline and the account’s statuses list its posts with media, not those without', async () => {
    const plain = note([]);
    const withMedia = note([{ type: 'Document', mediaType: 'image/jpeg', url: files('only.jpg') }]);
    await post(create(plain));
    await post(create(withMedia));
    const shown = await show((await arrived(withMedia.id)).id);
    await arrived(plain.id);
    const timeline = (await instance.request('GET', '/api/v1/timelines/public?remote=true&only_media=true', { token: alice.token })).body as { uri: string }[];
    assert.ok(
      timeline.some((status) => status.uri === withMedia.id),
      'the post with media is listed',
    );
    assert.ok(!timeline.some((status) => status.uri === plain.id), 'the plain one is not');
    const listed = await instance.request('GET', `/api/v1/accounts/${shown.account.id}/statuses?only_media=true`, { token: alice.token });
    assert.equal(listed.status, 200, listed.text);
    const uris = (listed.body as { uri: string; media_attachments: unknown[] }[]).map((status) => status.uri);
    assert.ok(uris.includes(withMedia.id));
    assert.ok(!uris.includes(plain.id));
    assert.ok((listed.body as { media_attachments: unknown[] }[]).every((status) => status.media_attachments.length > 0));
  });
});
