import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Create, type Object as APObject } from '@fedify/vocab';
import { INLINE, parseStatusObject, visibilityOf, type ParseResult } from '../../src/federation/inbound-status.ts';
import { loadFixture, parseActivity } from '../helpers/fixtures.ts';

const PUBLIC = new URL('https://www.w3.org/ns/activitystreams#Public');

/** Reads a fixture's Create as the inbox handler does: the embedded object, never fetched. */
async function parseFixture(name: string, followers?: string): Promise<ParseResult> {
  const json = loadFixture(name);
  const create = await parseActivity(json);
  assert.ok(create instanceof Create);
  const object = (await create.getObject(INLINE)) as APObject;
  const actorId = create.actorId!;
  return parseStatusObject(object, { actorId, followersId: new URL(followers ?? `${actorId.href}/followers`), raw: json.object });
}

async function parsed(name: string, followers?: string) {
  const result = await parseFixture(name, followers);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.status;
}

describe('reading remote status objects (Mastodon’s StatusParser and Create)', () => {
  it('a Mastodon Note: sanitized content, language from contentMap, mentions, hashtags, emoji, media, conversation', async () => {
    const status = await parsed('mastodon-create-note.json');
    assert.equal(status.uri, 'https://mastodon.example/users/bob/statuses/113388475346925634');
    assert.equal(status.url, 'https://mastodon.example/@bob/113388475346925634');
    assert.equal(status.visibility, 'public');
    assert.equal(status.language, 'en');
    assert.equal(status.spoilerText, '');
    assert.equal(status.sensitive, false);
    assert.equal(status.inReplyToUri, null);
    assert.equal(status.conversationUri, 'tag:mastodon.example,2024-10-29:objectId=5843921:objectType=Conversation');
    assert.deepEqual(status.published, new Date('2024-10-29T11:02:03Z'));
    assert.equal(status.updated, null);
    assert.match(
      status.content,
      /^<p>Hello <span class="h-card" translate="no"><a href="https:\/\/subspace.test\/@alice" class="u-url mention" rel="nofollow noopener" target="_blank">@<span>alice<\/span><\/a><\/span>/,
    );
    assert.match(status.content, /<span class="invisible">https:\/\/<\/span><span>joinmastodon.org\/about<\/span>/);
    assert.deepEqual(status.mentions, [{ href: 'https://subspace.test/users/alice', name: '@alice@subspace.test' }]);
    assert.deepEqual(status.hashtags, ['Fediverse']);
    assert.deepEqual(status.emojis, [
      {
        shortcode: 'blobcat',
        imageUrl: 'https://files.mastodon.example/custom_emojis/images/000/004/207/original/blobcat.png',
        uri: 'https://mastodon.example/emojis/4207',
        updatedAt: new Date('2023-02-14T09:00:00Z'),
      },
    ]);
    assert.deepEqual(status.attachments, [
      {
        url: 'https://files.mastodon.example/media_attachments/files/113/388/475/original/9f3c2a1b.png',
        mediaType: 'image/png',
        type: 'image',
        description: 'A cat sleeping on a keyboard',
        width: 1200,
        height: 800,
        blurhash: 'UBL_:rOpGG-;~qRjWBay00xu%MM{',
        focus: { x: 0, y: 0 },
      },
    ]);
    assert.equal(status.poll, null);
    assert.deepEqual(status.replies, { uri: 'https://mastodon.example/users/bob/statuses/113388475346925634/replies', items: [] });
    // the author's followers collection is addressed too, but is no account: not in the audience looked up
    assert.deepEqual(status.audience, ['https://subspace.test/users/alice']);
  });

  it('blurhash and focal point also by their full IRIs, as a signed activity parsed again by Fedify has them', async () => {
    const json = loadFixture('mastodon-create-note.json');
    const create = await parseActivity(json);
    const object = (await create.getObject(INLINE)) as APObject;
    const [attachment] = [json.object.attachment].flat() as Record<string, unknown>[];
    const { blurhash, focalPoint, ...rest } = attachment!;
    assert.ok(blurhash && focalPoint, 'the fixture has both, by their short names');
    const raw = { ...json.object, attachment: [{ ...rest, 'http://joinmastodon.org/ns#blurhash': blurhash, 'http://joinmastodon.org/ns#focalPoint': { '@list': [0.3, -0.6] } }] };
    const result = await parseStatusObject(object, { actorId: create.actorId!, followersId: new URL(`${create.actorId!.href}/followers`), raw });
    assert.ok(result.ok);
    assert.equal(result.status.attachments[0]!.blurhash, blurhash);
    assert.deepEqual(result.status.attachments[0]!.focus, { x: 0.3, y: -0.6 });
  });

  it('a Mastodon Question: a single-choice poll with its counts, end and voters; the summary is the warning', async () => {
    const status = await parsed('mastodon-create-question.json');
    assert.equal(status.content, '<p>Tea or coffee?</p>');
    assert.equal(status.spoilerText, 'poll inside');
    assert.equal(status.sensitive, true);
    assert.equal(status.language, 'de');
    assert.deepEqual(status.poll, { options: ['Tea', 'Coffee'], tallies: [2, 1], multiple: false, expiresAt: new Date('2099-11-01T12:00:00Z'), votersCount: 3 });
  });

  it('NUL, which PostgreSQL cannot store, is left out of every text: content, warning, descriptions, poll options', async () => {
    const TEXTS = new Set(['content', 'summary', 'name', 'contentMap', 'summaryMap', 'nameMap']);
    const nul = (value: unknown): unknown =>
      typeof value === 'string' ? `a\u0000${value}` : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nul(v)])) : value;
    const withNul = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(withNul) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, TEXTS.has(k) ? nul(v) : withNul(v)])) : value;
    for (const name of ['mastodon-create-note.json', 'mastodon-create-question.json']) {
      const json = loadFixture(name) as Record<string, unknown>;
      const object = withNul(json.object) as Record<string, unknown>;
      const create = await parseActivity({ ...json, object });
      assert.ok(create instanceof Create);
      const result = await parseStatusObject((await create.getObject(INLINE)) as APObject, { actorId: create.actorId!, followersId: new URL(`${create.actorId!.href}/followers`), raw: object });
      assert.ok(result.ok, result.ok ? '' : result.reason);
      const { content, spoilerText, attachments, poll } = result.status;
      assert.ok(content.length > 0);
      for (const text of [content, spoilerText, ...attachments.map((a) => a.description ?? ''), ...(poll?.options ?? [])]) assert.ok(!text.includes('\u0000'), JSON.stringify(text));
    }
  });

  it('a GoToSocial Note addressed to the followers with the public in cc is unlisted', async () => {
    const status = await parsed('gotosocial-create-note.json');
    assert.equal(status.visibility, 'unlisted');
    assert.equal(status.url, 'https://gts.example/@bob/statuses/01JBC4Z7M3W3F6Q0KXN2V9H8RT');
    assert.deepEqual(status.hashtags, ['sloths']);
    assert.match(status.content, /<code>code<\/code>/);
    assert.match(status.content, /rel="nofollow noopener" target="_blank"/);
  });

  it('a Misskey Note to the followers is private; sensitive media, emoji with underscores, no url', async () => {
    const status = await parsed('misskey-create-note.json');
    assert.equal(status.visibility, 'private');
    assert.equal(status.sensitive, true);
    assert.equal(status.url, null);
    assert.equal(status.language, null);
    assert.deepEqual(status.hashtags, ['misskey']);
    assert.deepEqual(
      status.emojis.map((emoji) => emoji.shortcode),
      ['blobcat_thumbsup'],
    );
    assert.deepEqual(
      status.attachments.map((media) => [media.type, media.description]),
      [['video', null]],
    );
    assert.match(status.content, /<br \/>second line/);
    // the followers collection is the actor's, not one guessed from its URI
    const unknownFollowers = await parsed('misskey-create-note.json', 'https://misskey.example/elsewhere');
    assert.equal(unknownFollowers.visibility, 'direct');
  });

  it('a Misskey Question with anyOf and a closed date is a multiple-choice poll that ended then', async () => {
    const status = await parsed('misskey-create-question.json');
    assert.deepEqual(status.poll, { options: ['Red', 'Green', 'Blue'], tallies: [4, 0, 7], multiple: true, expiresAt: new Date('2024-10-30T16:00:00Z'), votersCount: null });
  });

  it('a Pleroma reply (remote context, @language und): a reply to its parent, the javascript: link reduced to text', async () => {
    const status = await parsed('pleroma-create-note.json');
    assert.equal(status.visibility, 'public');
    assert.equal(status.language, null);
    assert.equal(status.inReplyToUri, 'https://subspace.test/users/alice/statuses/1');
    assert.equal(status.spoilerText, 're: subspace');
    assert.equal(status.conversationUri, 'https://pleroma.example/contexts/6a4c4c1e-2a9f-4d2b-9d1e-5b0d7f3c2a11');
    assert.match(status.content, /a reply from Pleroma<br \/>with a <span>sneaky link<\/span>$/);
    assert.doesNotMatch(status.content, /javascript|data-user|ugc/);
    assert.deepEqual(status.mentions, [{ href: 'https://subspace.test/users/alice', name: '@alice@subspace.test' }]);
  });

  it('an Article is converted as Mastodon does: its title in bold, its summary and a link, not its body', async () => {
    const status = await parsed('writefreely-create-article.json');
    assert.equal(
      status.content,
      '<p><strong>A long essay &lt;on&gt; things</strong></p>\n\n<p>Why essays matter.</p>\n\n<p><a href="https://blog.example/bob/a-long-essay" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span>blog.example/bob/a-long-essay</span><span class="invisible"></span></a></p>',
    );
    assert.equal(status.spoilerText, '');
    assert.deepEqual(status.hashtags, ['essays']);
  });

  it('hostile content is defused: scripts, handlers, bad links and URLs, tags with bad names', async () => {
    const status = await parsed('hostile-script-note.json');
    assert.equal(status.url, null, 'a javascript: url is not kept');
    // a <form> closes the paragraph, as an HTML parser does
    assert.equal(status.content, '<p>Hi<span>click</span> <span>tab</span> <span>data</span></p><a href="https://ok.example/" class="u-url" rel="nofollow noopener" target="_blank">ok</a><p></p>');
    assert.deepEqual(status.hashtags, []);
    assert.deepEqual(status.emojis, []);
    assert.deepEqual(status.mentions, []);
  });

  it('refuses an object on another host than its actor, or attributed to someone else', async () => {
    assert.deepEqual(await parseFixture('hostile-host-mismatch.json'), { ok: false, reason: 'object and actor on different hosts' });
    assert.deepEqual(await parseFixture('hostile-misattributed.json'), { ok: false, reason: 'object attributed to another actor' });
  });

  it('refuses what it does not read, and content beyond its bounds', async () => {
    const json = loadFixture('mastodon-create-note.json');
    const asType = async (type: string, extra: Record<string, unknown> = {}) => {
      const create = await parseActivity({ ...json, object: { ...json.object, type, ...extra } });
      const object = (await create.getObject(INLINE)) as APObject;
      return parseStatusObject(object, { actorId: create.actorId!, followersId: null });
    };
    assert.deepEqual(await asType('Person'), { ok: false, reason: 'unsupported object type' });
    assert.deepEqual(await asType('Document'), { ok: false, reason: 'unsupported object type' });
    assert.deepEqual(await asType('Note', { content: 'x'.repeat(100_001), contentMap: undefined }), { ok: false, reason: 'content too long' });
    const options = Array.from({ length: 101 }, (_, i) => ({ type: 'Note', name: `option ${i}` }));
    assert.deepEqual(await asType('Question', { oneOf: options }), { ok: false, reason: 'too many poll options' });
    for (const type of ['Page', 'Image', 'Video', 'Audio', 'Event']) assert.equal((await asType(type)).ok, true, type);
  });

  it('reads the Create’s addressing when the object has none', async () => {
    const json = loadFixture('mastodon-create-note.json');
    const { to: _to, cc: _cc, ...unaddressed } = json.object;
    const create = await parseActivity({ ...json, object: unaddressed });
    const object = (await create.getObject(INLINE)) as APObject;
    const result = await parseStatusObject(object, { actorId: create.actorId!, followersId: null, activity: { to: create.toIds, cc: create.ccIds } });
    assert.ok(result.ok);
    assert.equal(result.status.visibility, 'public');
    assert.deepEqual(result.status.audience, ['https://mastodon.example/users/bob/followers', 'https://subspace.test/users/alice']);
  });

  it('visibility as Mastodon reads to and cc', () => {
    const followers = new URL('https://a.example/users/bob/followers');
    const alice = new URL('https://b.example/users/alice');
    assert.equal(visibilityOf([PUBLIC], [followers], followers), 'public');
    assert.equal(visibilityOf([new URL('as:Public')], [], followers), 'public');
    assert.equal(visibilityOf([followers], [PUBLIC], followers), 'unlisted');
    assert.equal(visibilityOf([followers], [alice], followers), 'private');
    assert.equal(visibilityOf([alice], [], followers), 'direct');
    assert.equal(visibilityOf([alice], [], followers, false), 'limited');
    assert.equal(visibilityOf([], [followers], followers), 'direct', 'followers in cc alone is not followers-only');
  });
});
