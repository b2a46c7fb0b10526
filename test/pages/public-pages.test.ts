import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import parser from 'fast-xml-parser';
import { DomUtils, parseDocument } from 'htmlparser2';
import sharp from 'sharp';
import { accounts, mediaAttachments, tags } from '../../src/db/schema.ts';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { saveLocalEmoji } from '../../src/services/emojis/local-emojis.ts';
import { fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { BASE } from '../helpers/constants.ts';

const HTML = { accept: 'text/html' };
const AP = { accept: 'application/activity+json' };
/** Words only in statuses no visitor may see: no public page, feed or oEmbed answer may contain them. */
const SECRETS = ['SECRETPRIVATE', 'SECRETDIRECT', 'SECRETREPLY'];

const square = (colour: string) =>
  sharp({ create: { width: 16, height: 16, channels: 4, background: colour } })
    .png()
    .toBuffer();

function doc(text: string) {
  return parseDocument(text);
}
const all = (text: string, test: (element: { name: string; attribs: Record<string, string> }) => boolean) => DomUtils.findAll((element) => test(element), doc(text).children);
const meta = (text: string, key: string) => all(text, (e) => e.name === 'meta' && (e.attribs.property === key || e.attribs.name === key))[0]?.attribs.content;
const link = (text: string, rel: string, type?: string) => all(text, (e) => e.name === 'link' && e.attribs.rel === rel && (!type || e.attribs.type === type))[0]?.attribs.href;

describe('public pages', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  const ids: Record<string, string> = {};

  const page = (path: string) => instance.request('GET', path, { headers: HTML });
  const post = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body.id as string;
  };

  before(async () => {
    instance = await startInstance();
    await saveLocalEmoji(instance.ctx, { shortcode: 'blobcat', bytes: await square('#00ff00') });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    const update = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: alice.token,
      json: {
        display_name: 'Alice <b>A</b> :blobcat:',
        note: 'I write <script>alert(1)</script> things',
        fields_attributes: [
          { name: 'Site', value: 'https://alice.example' },
          { name: 'Pets', value: 'two cats' },
        ],
      },
    });
    assert.equal(update.status, 200, update.text);
    // as if the rel=me link had been checked
    const [row] = await instance.ctx.db.select({ fields: accounts.fields }).from(accounts).where(eq(accounts.id, alice.accountId));
    await instance.ctx.db
      .update(accounts)
      .set({ fields: row!.fields.map((field, i) => (i === 0 ? { ...field, verified_at: '2026-01-02T03:04:05.000Z' } : field)) })
      .where(eq(accounts.id, alice.accountId));

    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await square('#ff0000'))], { type: 'image/png' }), 'red.png');
    form.append('description', 'A red square');
    const media = await (await fetch(`${instance.url}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form })).json();

    ids.root = await post(alice, { status: 'Hello world #cats :blobcat: & <friends>', language: 'en' });
    ids.unlisted = await post(alice, { status: 'A quiet unlisted note', visibility: 'unlisted' });
    ids.private = await post(alice, { status: 'SECRETPRIVATE for followers', visibility: 'private' });
    ids.direct = await post(alice, { status: '@bob SECRETDIRECT between us', visibility: 'direct' });
    ids.cw = await post(alice, { status: 'Behind the warning', spoiler_text: 'Spoilers ahead', sensitive: true, media_ids: [media.id] });
    ids.pinned = await post(alice, { status: 'This one is pinned' });
    assert.equal((await instance.request('POST', `/api/v1/statuses/${ids.pinned}/pin`, { token: alice.token })).status, 200);
    ids.publicReply = await post(bob, { status: '@alice a public reply', in_reply_to_id: ids.root });
    ids.privateReply = await post(bob, { status: '@alice SECRETREPLY only for her', in_reply_to_id: ids.root, visibility: 'private' });
    ids.aliceReplyToBob = await post(alice, { status: '@bob answering you', in_reply_to_id: ids.publicReply });
    const boost = await instance.request('POST', `/api/v1/statuses/${ids.publicReply}/reblog`, { token: alice.token });
    assert.equal(boost.status, 200, boost.text);

    // a remote post stored with markup the inbound path would have removed
    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'carol', url: 'https://remote.example/@carol' });
    const hostile = await fabricateStatus(instance.ctx, remote.id, {
      content: '<p>remote <script>alert(2)</script><img src=x onerror=alert(3)>reply</p>',
      text: 'remote reply',
      inReplyToId: ids.root,
      inReplyToAccountId: alice.accountId,
      uri: 'https://remote.example/users/carol/statuses/1',
      url: 'https://remote.example/@carol/1',
      local: false,
    });
    ids.remote = hostile.id;
  });
  after(() => instance.close());

  it('shows a profile with its fields, pinned and public posts, Mastodon-style meta, and no private post', async () => {
    const response = await page('/@alice');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    const text = response.text;
    assert.equal(link(text, 'alternate', 'application/activity+json'), `${BASE}/users/alice`);
    assert.equal(link(text, 'canonical'), `${BASE}/@alice`);
    assert.equal(link(text, 'alternate', 'application/rss+xml'), `${BASE}/@alice.rss`);
    assert.equal(meta(text, 'og:type'), 'profile');
    assert.equal(meta(text, 'og:url'), `${BASE}/@alice`);
    assert.match(meta(text, 'og:title')!, /^Alice <b>A<\/b> :blobcat: \(@alice@/);
    assert.ok(meta(text, 'twitter:card'));
    // escaped display name, emoji as an image with its shortcode as alt
    assert.ok(text.includes('Alice &lt;b&gt;A&lt;/b&gt; <img class="emoji"'), 'the name is escaped');
    assert.ok(all(text, (e) => e.name === 'img' && e.attribs.alt === ':blobcat:').length > 0);
    assert.ok(!text.includes('<script'), 'no script anywhere');
    assert.ok(text.includes('I write &lt;script&gt;'), 'the bio is shown as text');
    // the verified field, and the other one not
    const verified = all(text, (e) => e.name === 'div' && e.attribs.class === 'field verified');
    assert.equal(verified.length, 1);
    assert.match(DomUtils.textContent(verified[0] as never), /Site.*alice\.example/s);
    assert.ok(all(text, (e) => e.name === 'a' && e.attribs.href === 'https://alice.example' && e.attribs.rel?.split(' ').includes('me')).length === 1, 'rel=me on her own link');
    assert.ok(all(text, (e) => e.name === 'section' && e.attribs.class === 'pinned').length === 1);
    for (const words of ['Hello world', 'A quiet unlisted note', 'This one is pinned', 'Spoilers ahead']) assert.ok(text.includes(words), words);
    assert.ok(!text.includes('answering you'), 'replies to others are left out');
    assert.ok(text.includes('boosted'), 'boosts are shown');
    for (const secret of SECRETS) assert.ok(!text.includes(secret), secret);
    assert.ok(all(text, (e) => e.name === 'main').length === 1 && all(text, (e) => e.name === 'h1').length === 1);
    assert.ok(all(text, (e) => e.name === 'article' && e.attribs.lang === 'en').length > 0, 'posts say their language');
  });

  it('hides content warnings and sensitive media behind <details>, with alt text', async () => {
    const text = (await page(`/@alice/${ids.cw}`)).text;
    const spoiler = all(text, (e) => e.name === 'details' && e.attribs.class === 'spoiler');
    assert.equal(spoiler.length, 1);
    assert.equal(DomUtils.textContent(DomUtils.findOne((e) => e.name === 'summary', [spoiler[0] as never])!), 'Spoilers ahead');
    const sensitive = all(text, (e) => e.name === 'details' && e.attribs.class === 'sensitive');
    assert.equal(sensitive.length, 1);
    assert.equal(sensitive[0]!.attribs.open, undefined, 'closed by default');
    assert.ok(all(text, (e) => e.name === 'img' && e.attribs.alt === 'A red square').length === 1);
    assert.equal(meta(text, 'og:description'), 'Content warning: Spoilers ahead');
    assert.equal(meta(text, 'twitter:card'), 'summary', 'sensitive media is not previewed');
    assert.equal(meta(text, 'og:image'), meta((await page('/@alice')).text, 'og:image'), 'the avatar instead');
  });

  it('paginates a profile with max_id links', async () => {
    for (let i = 0; i < 21; i++) await fabricateStatus(instance.ctx, bob.accountId, { content: `<p>filler ${i}</p>`, text: `filler ${i}`, local: true });
    const first = (await page('/@bob')).text;
    const older = all(first, (e) => e.name === 'a' && e.attribs.rel === 'next')[0]?.attribs.href;
    assert.match(older!, /^\/@bob\?max_id=\d+$/);
    const second = await page(older!);
    assert.equal(second.status, 200);
    assert.ok(second.text.includes('filler 0'));
    assert.ok(!second.text.includes('filler 20'));
    assert.equal(meta(second.text, 'robots'), 'noindex, noarchive');
  });

  it('shows a status with the public part of its thread, sanitized, and its oEmbed link', async () => {
    const response = await page(`/@alice/${ids.root}`);
    assert.equal(response.status, 200);
    const text = response.text;
    assert.ok(text.includes('a public reply') && text.includes('answering you'), 'descendants');
    assert.ok(text.includes('remote') && text.includes('reply</p>'), 'the remote reply');
    assert.ok(!/<script|onerror/.test(text), 'remote markup is sanitized at render');
    for (const secret of SECRETS) assert.ok(!text.includes(secret), secret);
    assert.equal(link(text, 'canonical'), `${BASE}/@alice/${ids.root}`);
    assert.equal(link(text, 'alternate', 'application/activity+json'), `${BASE}/users/alice/statuses/${ids.root}`);
    assert.equal(link(text, 'alternate', 'application/json+oembed'), `${BASE}/api/oembed?format=json&url=${encodeURIComponent(`${BASE}/@alice/${ids.root}`)}`);
    assert.equal(meta(text, 'og:type'), 'article');
    assert.ok(text.includes('Hello world #cats') || text.includes('Hello world <a'), 'the content');
    assert.ok(text.includes('&amp; &lt;friends&gt;'), 'escaped text');

    const ancestors = (await page(`/@alice/${ids.aliceReplyToBob}`)).text;
    assert.ok(ancestors.includes('Hello world') && ancestors.includes('a public reply'), 'ancestors');
  });

  it('still sends ActivityPub clients to the actor and the Note', async () => {
    const actor = await instance.request('GET', '/@alice', { headers: AP });
    assert.equal(actor.status, 301);
    assert.equal(actor.headers.get('location'), `${BASE}/users/alice`);
    assert.match(actor.headers.get('vary') ?? '', /Accept/i, 'caches keep the page and the redirect apart');
    assert.match((await page('/@alice')).headers.get('vary') ?? '', /Accept/i);
    const note = await instance.request('GET', `/@alice/${ids.root}`, { headers: AP });
    assert.equal(note.status, 301);
    assert.equal(note.headers.get('location'), `${BASE}/users/alice/statuses/${ids.root}`);
    assert.equal((await instance.request('GET', `/@alice/${ids.private}`, { headers: AP })).status, 404);
  });

  it('never serves a private or direct status, nor a private reply, on any page', async () => {
    for (const id of [ids.private, ids.direct]) {
      assert.equal((await page(`/@alice/${id}`)).status, 404);
      assert.equal((await page(`/@alice/${id}/embed`)).status, 404);
      assert.equal((await instance.request('GET', `/api/oembed?url=${encodeURIComponent(`${BASE}/@alice/${id}`)}`)).status, 404);
    }
    assert.equal((await page(`/@bob/${ids.privateReply}`)).status, 404);
    assert.equal((await page(`/@bob/${ids.root}`)).status, 404, 'another account’s status');
    for (const path of ['/', '/explore', '/about', '/@alice', '/@bob', '/@alice.rss', '/@bob.rss', '/tags/cats', '/tags/cats.rss', `/@alice/${ids.root}`, `/@alice/${ids.root}/embed`]) {
      const response = await page(path);
      assert.equal(response.status, 200, path);
      for (const secret of SECRETS) assert.ok(!response.text.includes(secret), `${secret} on ${path}`);
    }
  });

  it('answers oEmbed as Mastodon, with an iframe of the embed page', async () => {
    const url = `${BASE}/@alice/${ids.root}`;
    const response = await instance.request('GET', `/api/oembed?url=${encodeURIComponent(url)}&maxwidth=500`);
    assert.equal(response.status, 200, response.text);
    const body = response.body;
    assert.deepEqual(Object.keys(body).sort(), ['author_name', 'author_url', 'cache_age', 'height', 'html', 'provider_name', 'provider_url', 'type', 'version', 'width']);
    assert.equal(body.type, 'rich');
    assert.equal(body.version, '1.0');
    assert.equal(body.author_name, 'Alice <b>A</b> :blobcat:');
    assert.equal(body.author_url, `${BASE}/@alice`);
    assert.equal(body.provider_url, `${BASE}/`);
    assert.equal(body.cache_age, 86400);
    assert.equal(body.width, 500);
    assert.equal(body.height, null);
    const iframe = all(body.html, (e) => e.name === 'iframe')[0]!;
    assert.equal(iframe.attribs.src, `${url}/embed`);
    assert.equal((await instance.request('GET', `/api/oembed?url=${encodeURIComponent(`${BASE}/users/alice/statuses/${ids.root}`)}`)).status, 200);
    assert.equal((await instance.request('GET', `/api/oembed?url=${encodeURIComponent(`https://elsewhere.example/@alice/${ids.root}`)}`)).status, 404);

    const embed = await page(`/@alice/${ids.root}/embed`);
    assert.equal(embed.status, 200);
    assert.equal(embed.headers.get('x-frame-options'), null, 'other sites may frame it');
    assert.doesNotMatch(embed.headers.get('content-security-policy')!, /frame-ancestors/);
    assert.ok(embed.text.includes('Hello world'));
    assert.match((await page(`/@alice/${ids.root}`)).headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  });

  it('serves valid RSS of public originals, with media as enclosures', async () => {
    const response = await instance.request('GET', '/@alice.rss');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/rss\+xml/);
    assert.equal(parser.validate(response.text), true);
    const feed = parser.parse(response.text, { ignoreAttributes: false, attributeNamePrefix: '@' });
    const channel = feed.rss.channel;
    assert.equal(feed.rss['@version'], '2.0');
    assert.equal(channel.link, `${BASE}/@alice`);
    const items = [channel.item].flat();
    const links = items.map((item: { link: string }) => item.link);
    for (const id of [ids.root, ids.unlisted, ids.cw, ids.pinned]) assert.ok(links.includes(`${BASE}/@alice/${id}`), id);
    for (const id of [ids.private, ids.direct, ids.aliceReplyToBob]) assert.ok(!links.some((l: string) => l.endsWith(`/${id}`)), id);
    assert.equal(items.length, 4, 'no boosts');
    const withMedia = items.find((item: { link: string }) => item.link.endsWith(`/${ids.cw}`));
    assert.match(withMedia.enclosure['@url'], /^https?:\/\//);
    assert.equal(withMedia.enclosure['@type'], 'image/png');
    const [stored] = await instance.ctx.db.select({ size: mediaAttachments.fileSize }).from(mediaAttachments).where(eq(mediaAttachments.statusId, ids.cw));
    assert.ok(stored!.size! > 0);
    assert.equal(withMedia.enclosure['@length'], String(stored!.size), "the enclosure's length is the file's");
    // (the parser leaves entities as they are)
    assert.match(withMedia.description, /^&lt;p&gt;Spoilers ahead&lt;\/p&gt;&lt;hr \/&gt;/);
    for (const secret of SECRETS) assert.ok(!response.text.includes(secret));

    const tag = await instance.request('GET', '/tags/cats.rss');
    assert.equal(tag.status, 200);
    assert.equal(parser.validate(tag.text), true);
    const tagItems = [parser.parse(tag.text).rss.channel.item].flat();
    assert.deepEqual(
      tagItems.map((item: { link: string }) => item.link),
      [`${BASE}/@alice/${ids.root}`],
    );
    assert.equal((await instance.request('GET', '/tags/nosuchtag.rss')).status, 404);
  });

  it("serves a hashtag to ActivityPub clients as an OrderedCollection of this server's public posts", async () => {
    const hidden = await post(alice, { status: 'SECRETPRIVATE #cats for followers', visibility: 'private' });
    const quiet = await post(alice, { status: 'an unlisted #cats note', visibility: 'unlisted' });
    const response = await instance.request('GET', '/tags/cats', { headers: AP });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/activity\+json/);
    assert.match(response.headers.get('vary') ?? '', /Accept/i);
    assert.deepEqual(response.body, {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${BASE}/tags/cats`,
      type: 'OrderedCollection',
      orderedItems: [`${BASE}/users/alice/statuses/${ids.root}`],
    });
    for (const id of [hidden, quiet]) assert.ok(!response.text.includes(id));
    assert.equal((await instance.request('GET', '/tags/nosuchtag', { headers: AP })).status, 404);
    const html = await page('/tags/cats');
    assert.equal(link(html.text, 'alternate', 'application/activity+json'), `${BASE}/tags/cats`);
    for (const id of [hidden, quiet]) await instance.request('DELETE', `/api/v1/statuses/${id}`, { token: alice.token });
  });

  it('shows a hashtag page, and the local timeline on the landing page while previews are on', async () => {
    const tag = await page('/tags/cats');
    assert.equal(tag.status, 200);
    assert.ok(tag.text.includes('Hello world'));
    assert.equal(link(tag.text, 'canonical'), `${BASE}/tags/cats`);
    assert.equal((await page('/tags/nosuchtag')).status, 404);
    await instance.ctx.db.update(tags).set({ usable: false }).where(eq(tags.name, 'cats'));
    try {
      assert.equal((await page('/tags/cats')).status, 404, 'a hashtag staff disabled');
      assert.equal((await page('/tags/cats.rss')).status, 404);
    } finally {
      await instance.ctx.db.update(tags).set({ usable: true }).where(eq(tags.name, 'cats'));
    }

    await post(alice, { status: 'Fresh on the landing page' });
    const landing = await page('/');
    assert.equal(landing.status, 200);
    assert.ok(landing.text.includes('Fresh on the landing page'), 'the local timeline');
    assert.ok(all(landing.text, (e) => e.name === 'a' && e.attribs.href === '/auth/sign_in').length > 0);
    assert.ok(!landing.text.includes('/auth/sign_up'), 'no sign-up while registrations are closed');
    assert.ok(!landing.text.includes('A quiet unlisted note'), 'unlisted posts stay out of timelines');

    await updateSetting(instance.ctx, 'timeline_preview', false);
    await updateSetting(instance.ctx, 'registrations_mode', 'open');
    try {
      const closed = await page('/');
      assert.ok(!closed.text.includes('Fresh on the landing page'));
      assert.ok(closed.text.includes('href="/auth/sign_up"'));
      assert.ok(!(await page('/tags/cats')).text.includes('Hello world'));
    } finally {
      await updateSetting(instance.ctx, 'timeline_preview', true);
      await updateSetting(instance.ctx, 'registrations_mode', 'none');
    }
  });

  it('shows about, privacy policy and explore pages', async () => {
    await updateSetting(instance.ctx, 'site_contact_email', 'admin@example.com');
    await updateSetting(instance.ctx, 'site_short_description', 'A <small> server');
    const about = await page('/about');
    assert.equal(about.status, 200);
    assert.ok(about.text.includes('mailto:admin@example.com'));
    assert.ok(about.text.includes('A &lt;small&gt; server'));
    assert.equal(meta(about.text, 'og:description'), 'A <small> server');
    assert.ok(!about.text.includes('Moderated servers'), 'hidden unless shown to all');
    await updateSetting(instance.ctx, 'show_domain_blocks', 'all');
    assert.ok((await page('/about')).text.includes('Moderated servers'));
    assert.equal((await page('/privacy-policy')).status, 200);
    const explore = await page('/explore');
    assert.equal(explore.status, 200);
    assert.ok(all(explore.text, (e) => e.name === 'h1').length === 1);
  });

  it('sends visitors of a remote account to its server, and answers 403 for a suspended member', async () => {
    const remote = await page('/@carol@remote.example');
    assert.equal(remote.status, 302);
    assert.equal(remote.headers.get('location'), 'https://remote.example/@carol');
    const remoteStatus = await page(`/@carol@remote.example/${ids.remote}`);
    assert.equal(remoteStatus.status, 302);
    assert.equal(remoteStatus.headers.get('location'), 'https://remote.example/@carol/1');
    assert.equal((await page('/@nobody')).status, 404);
    assert.equal((await page('/@nobody.rss')).status, 404);
    const other = await page('/@ALICE?max_id=5');
    assert.equal(other.status, 301);
    assert.equal(other.headers.get('location'), '/@alice?max_id=5');

    const carol = await instance.ctx.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.username, 'carol'));
    await instance.ctx.db.update(accounts).set({ movedToAccountId: carol[0]!.id }).where(eq(accounts.id, bob.accountId));
    const moved = all((await page('/@bob')).text, (e) => e.name === 'p' && e.attribs.class === 'moved');
    assert.equal(moved.length, 1);
    assert.match(DomUtils.textContent(moved[0] as never), /has moved to @carol@remote\.example/);

    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, bob.accountId));
    assert.equal((await page('/@bob')).status, 403);
    assert.equal((await page('/@bob.rss')).status, 403);
    assert.equal((await page(`/@bob/${ids.publicReply}`)).status, 404);
  });
});

describe('public pages in limited federation mode', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ env: { LIMITED_FEDERATION_MODE: 'true' } });
    await instance.createUser('alice');
  });
  after(() => instance.close());

  it('sends visitors to sign in, as Mastodon, but keeps about, the privacy policy and ActivityPub open', async () => {
    for (const path of ['/', '/explore', '/@alice', '/@alice.rss', '/tags/cats']) {
      const response = await instance.request('GET', path, { headers: HTML });
      assert.equal(response.status, 302, path);
      assert.equal(response.headers.get('location'), `/auth/sign_in?return_to=${encodeURIComponent(path)}`);
    }
    for (const path of ['/about', '/privacy-policy']) assert.equal((await instance.request('GET', path, { headers: HTML })).status, 200, path);
    assert.equal((await instance.request('GET', '/@alice', { headers: AP })).status, 301);
  });
});
