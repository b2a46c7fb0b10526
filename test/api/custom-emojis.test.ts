import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { accounts, customEmojis } from '../../src/db/schema.ts';
import { forgetListedCustomEmojis } from '../../src/services/emojis/custom-emojis.ts';
import { saveLocalEmoji } from '../../src/services/emojis/local-emojis.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fetchStoredFile, storedUrlPattern } from '../helpers/stored-files.ts';
import { BASE } from '../helpers/constants.ts';

const AP = { accept: 'application/activity+json' };

const square = (colour: string) =>
  sharp({ create: { width: 16, height: 16, channels: 4, background: colour } })
    .png()
    .toBuffer();

type Emoji = { shortcode: string; url: string; static_url: string; visible_in_picker: boolean; category?: string };
const codes = (emojis: Emoji[]) => emojis.map((emoji) => emoji.shortcode);

/**
 * Custom emoji as clients and other servers see them: the picker's list, the `emojis` of statuses,
 * polls, edits and profiles, and the Emoji tags of Notes and actors with their own URIs.
 */
describe('custom emoji', () => {
  let instance: TestInstance;
  let alice: TestUser;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    alice = await instance.createUser('alice');
    const gif = await sharp([await square('#ff0000'), await square('#0000ff')], { join: { animated: true } })
      .gif()
      .toBuffer();
    await saveLocalEmoji(instance.ctx, { shortcode: 'blobcat', bytes: await square('#00ff00'), category: 'Blobs' });
    await saveLocalEmoji(instance.ctx, { shortcode: 'party', bytes: gif });
    await saveLocalEmoji(instance.ctx, { shortcode: 'wave', bytes: await square('#ffff00') });
    await saveLocalEmoji(instance.ctx, { shortcode: 'secret', bytes: await square('#000000'), visibleInPicker: false });
    await saveLocalEmoji(instance.ctx, { shortcode: 'gone', bytes: await square('#ffffff') });
    await instance.ctx.db.update(customEmojis).set({ disabled: true }).where(eq(customEmojis.shortcode, 'gone'));
    await forgetListedCustomEmojis(instance.ctx);
  });
  after(() => instance.close());

  it('lists the local, enabled emoji of the picker with their stored images', async () => {
    const response = await instance.request('GET', '/api/v1/custom_emojis');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=180');
    const emojis = response.body as Emoji[];
    assert.deepEqual(codes(emojis), ['blobcat', 'party', 'wave']);
    const blobcat = emojis[0]!;
    assert.deepEqual(Object.keys(blobcat), ['shortcode', 'url', 'static_url', 'visible_in_picker', 'category']);
    assert.equal(blobcat.category, 'Blobs');
    assert.equal(emojis[1]!.category, undefined);
    assert.match(emojis[1]!.url, new RegExp(`^${storedUrlPattern(instance)}custom_emojis/images/.*/original/[0-9a-f]+\\.gif$`));
    assert.match(emojis[1]!.static_url, /\/static\/[0-9a-f]+\.png$/);
  });

  let statusId: string;

  it('a status lists the emoji of its text, warning and poll options; its poll those of the options', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', {
      token: alice.token,
      json: {
        status: 'Hello :blobcat: and :secret: and :gone: and :nope: and a:wave:b',
        spoiler_text: ':party:',
        poll: { options: [':wave: yes', 'no'], expires_in: 3600 },
      },
    });
    assert.equal(posted.status, 200, posted.text);
    statusId = posted.body.id;
    // disabled and unknown ones are not; an unlisted one is (it is only kept out of the picker)
    assert.deepEqual(codes(posted.body.emojis), ['party', 'blobcat', 'secret', 'wave']);
    assert.deepEqual(codes(posted.body.poll.emojis), ['wave']);
    const listed = (await instance.request('GET', '/api/v1/custom_emojis')).body as Emoji[];
    assert.deepEqual(
      posted.body.emojis.find((emoji: Emoji) => emoji.shortcode === 'party'),
      listed.find((emoji) => emoji.shortcode === 'party'),
    );

    const shown = await instance.request('GET', `/api/v1/statuses/${statusId}`);
    assert.deepEqual(shown.body.emojis, posted.body.emojis);
    const poll = await instance.request('GET', `/api/v1/polls/${posted.body.poll.id}`);
    assert.deepEqual(codes(poll.body.emojis), ['wave']);

    const edited = await instance.request('PUT', `/api/v1/statuses/${statusId}`, {
      token: alice.token,
      json: { status: 'Now only :blobcat:', spoiler_text: '', poll: { options: [':wave: yes', 'no'], expires_in: 3600 } },
    });
    assert.equal(edited.status, 200, edited.text);
    assert.deepEqual(codes(edited.body.emojis), ['blobcat', 'wave']);
    const history = await instance.request('GET', `/api/v1/statuses/${statusId}/history`);
    assert.deepEqual(
      (history.body as { emojis: Emoji[] }[]).map((revision) => codes(revision.emojis)),
      [
        ['party', 'blobcat', 'secret', 'wave'],
        ['blobcat', 'wave'],
      ],
    );
  });

  it('an account lists the emoji of its name, bio and fields; a remote one those of its own server', async () => {
    const updated = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: alice.token,
      json: { display_name: ':blobcat: Alice', note: 'I like :party:', fields_attributes: [{ name: ':wave:', value: 'hi :secret:' }] },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(codes(updated.body.emojis), ['party', 'blobcat', 'wave', 'secret']);
    assert.deepEqual(codes((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body.emojis), ['party', 'blobcat', 'wave', 'secret']);
    assert.deepEqual(codes((await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body.emojis), ['party', 'blobcat', 'wave', 'secret']);
    assert.deepEqual(codes((await instance.request('GET', `/api/v1/statuses/${statusId}`)).body.account.emojis), ['party', 'blobcat', 'wave', 'secret']);

    const [remote] = await instance.ctx.db
      .insert(accounts)
      .values({ username: 'bob', domain: 'far.example', uri: 'https://far.example/users/bob', inboxUrl: 'https://far.example/users/bob/inbox', displayName: ':far_cat: :blobcat: Bob' })
      .returning();
    await instance.ctx.db.insert(customEmojis).values({ shortcode: 'far_cat', domain: 'far.example', imageUrl: 'https://far.example/emoji/far_cat.png', visibleInPicker: false });
    const bob = await instance.request('GET', `/api/v1/accounts/${remote!.id}`);
    // its server's emoji (shown from where that server keeps it until it is cached), never this server's
    assert.deepEqual(bob.body.emojis, [{ shortcode: 'far_cat', url: 'https://far.example/emoji/far_cat.png', static_url: 'https://far.example/emoji/far_cat.png', visible_in_picker: false }]);
  });

  it('the Note and the actor carry Emoji tags whose icons are served, and each emoji resolves at its id', async () => {
    const emojis = new Map((await instance.ctx.db.select().from(customEmojis)).map((row) => [row.shortcode, row]));
    const note = await instance.request('GET', `/users/alice/statuses/${statusId}`, { headers: AP });
    assert.equal(note.status, 200, note.text);
    const tags = [note.body.tag].flat().filter((tag: { type: string }) => tag.type === 'Emoji');
    const blobcat = emojis.get('blobcat')!;
    assert.deepEqual(
      tags.map((tag: { name: string }) => tag.name),
      [':blobcat:', ':wave:'],
    );
    const tag = tags[0];
    assert.deepEqual(tag, {
      id: `${BASE}/emojis/${blobcat.id}`,
      type: 'Emoji',
      name: ':blobcat:',
      icon: { type: 'Image', mediaType: 'image/png', url: tag.icon.url },
      updated: blobcat.updatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const icon = await fetchStoredFile(instance, tag.icon.url);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/png');
    assert.equal((await sharp(Buffer.from(await icon.arrayBuffer())).metadata()).width, 16);

    const resolved = await instance.request('GET', `/emojis/${blobcat.id}`, { headers: AP });
    assert.equal(resolved.status, 200, resolved.text);
    assert.match(resolved.headers.get('content-type')!, /^application\/activity\+json/);
    assert.equal(resolved.headers.get('cache-control'), 'public, max-age=180');
    const { '@context': context, ...object } = resolved.body;
    assert.ok([context].flat().includes('https://www.w3.org/ns/activitystreams'));
    assert.deepEqual(object, tag);
    // only this server's emoji are served here
    const far = emojis.get('far_cat')!;
    assert.equal((await instance.request('GET', `/emojis/${far.id}`, { headers: AP })).status, 404);
    assert.equal((await instance.request('GET', '/emojis/123456789', { headers: AP })).status, 404);
    assert.equal((await instance.request('GET', '/emojis/nope', { headers: AP })).status, 404);

    const actor = await instance.request('GET', '/users/alice', { headers: AP });
    assert.equal(actor.status, 200);
    const actorTags = [actor.body.tag].flat().filter((entry: { type?: string }) => entry?.type === 'Emoji');
    assert.deepEqual(
      actorTags.map((entry: { name: string }) => entry.name),
      [':party:', ':blobcat:', ':wave:', ':secret:'],
    );
    const party = actorTags[0];
    assert.equal(party.icon.mediaType, 'image/gif');
    assert.equal(party.id, `${BASE}/emojis/${emojis.get('party')!.id}`);
  });
});
