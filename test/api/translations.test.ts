import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRestAPIClient } from 'masto';
import sharp from 'sharp';
import { statuses } from '../../src/db/schema.ts';
import { sanitizeRemoteHtml } from '../../src/lib/sanitize-html.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { startDeepl, startLibreTranslate, type TranslationService } from '../helpers/translation-services.ts';

/** A post with everything a translation must carry through: a mention, a link, a hashtag, a content warning and a poll. */
const RICH_POST = {
  status: 'hello world @bob https://example.com/hello #world',
  spoiler_text: 'a cat',
  language: 'en',
  poll: { options: ['yes', 'no and hello'], expires_in: 3600 },
};

describe('translation with DeepL', () => {
  let deepl: TranslationService;
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    deepl = await startDeepl('deepl-key');
    instance = await startInstance({ env: { DEEPL_API_KEY: 'deepl-key', DEEPL_PLAN: 'pro', SUBSPACE_DEEPL_BASE_URL: deepl.url } });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
  });
  after(async () => {
    await instance.close();
    await deepl.close();
  });

  const post = async (user: TestUser, json: unknown) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const translate = (user: { token: string }, id: string, lang?: string) => instance.request('POST', `/api/v1/statuses/${id}/translate`, { token: user.token, json: lang ? { lang } : {} });
  const translationCalls = () => deepl.requests.filter((request) => request.path === '/v2/translate').length;

  it('says translation is enabled, and which languages translate into which', async () => {
    const described = await instance.request('GET', '/api/v2/instance');
    assert.deepEqual(described.body.configuration.translation, { enabled: true });
    const languages = await instance.request('GET', '/api/v1/instance/translation_languages');
    assert.equal(languages.status, 200);
    assert.deepEqual(languages.body, { und: ['de', 'en', 'fr'], en: ['de', 'fr'], de: ['en', 'fr'], fr: ['de', 'en'] });
    const calls = deepl.requests.length;
    await instance.request('GET', '/api/v1/instance/translation_languages');
    assert.equal(deepl.requests.length, calls, 'the languages are kept, not asked again');
  });

  it('translates content, content warning and poll options, keeping mentions, links and hashtags', async () => {
    const status = await post(alice, RICH_POST);
    const response = await translate(bob, status.id, 'de');
    assert.equal(response.status, 200, response.text);
    const translation = response.body;
    assert.equal(translation.detected_source_language, 'en');
    assert.equal(translation.language, 'de');
    assert.equal(translation.provider, 'DeepL.com');
    assert.equal(translation.spoiler_text, 'eine Katze');
    assert.deepEqual(translation.poll, { id: status.poll.id, options: [{ title: 'ja' }, { title: 'nein und hallo' }] });
    assert.deepEqual(translation.media_attachments, []);
    assert.match(translation.content, /^<p>hallo Welt /);
    // the mention's name and the hashtag are names, not words; the link is the same link
    assert.ok(translation.content.includes('href="http://subspace.test/@bob"'), translation.content);
    assert.match(translation.content, /@<span>bob<\/span><\/a>/);
    assert.match(translation.content, /#<span>world<\/span><\/a>/);
    assert.match(translation.content, /href="https:\/\/example\.com\/hello"/);
    // nothing else changed: the words translated, every tag and attribute as the status has them
    assert.equal(translation.content, sanitizeRemoteHtml(status.content.replace('<p>hello world ', '<p>hallo Welt ')));

    const [request] = deepl.requests.filter((entry) => entry.path === '/v2/translate');
    assert.equal(request!.headers.authorization, 'DeepL-Auth-Key deepl-key');
    assert.equal(request!.body.tag_handling, 'html');
    assert.equal(request!.body.source_lang, 'EN');
    assert.equal(request!.body.target_lang, 'DE');
    assert.equal(request!.body.text.length, 4);
  });

  it("translates the media's descriptions", async () => {
    const form = new FormData();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'cat.png');
    form.append('description', 'a cat and a photo');
    const uploaded = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const media = (await uploaded.json()) as { id: string };
    assert.equal(uploaded.status, 200, JSON.stringify(media));
    const status = await post(alice, { status: 'hello', media_ids: [media.id], language: 'en' });
    const response = await translate(bob, status.id, 'de');
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.media_attachments, [{ id: media.id, description: 'eine Katze und eine Foto' }]);
    assert.equal(response.body.poll, null);
  });

  it('keeps a translation for a day: asked again, the service is not', async () => {
    const status = await post(alice, { status: 'hello again', language: 'en' });
    assert.equal((await translate(bob, status.id, 'de')).status, 200);
    const calls = translationCalls();
    const again = await translate(carol, status.id, 'de');
    assert.equal(again.status, 200);
    assert.equal(again.body.content, '<p>hallo again</p>');
    assert.equal(translationCalls(), calls);
  });

  it("translates into the member's language without lang, and a boost as what it boosts", async () => {
    const status = await post(alice, { status: 'hello', language: 'en' });
    const boost = await instance.request('POST', `/api/v1/statuses/${status.id}/reblog`, { token: carol.token });
    assert.equal(boost.status, 200);
    const response = await translate(bob, boost.body.id, 'fr');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.language, 'fr');
    // bob's locale is unset: English, which an English post is not translated into
    assert.equal((await translate(bob, status.id)).status, 403);
  });

  it('translates only public and unlisted statuses, for viewers who may see them (403 / 404 as Mastodon)', async () => {
    const follow = await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token });
    assert.equal(follow.status, 200);
    const unlisted = await post(alice, { status: 'hello', visibility: 'unlisted', language: 'en' });
    assert.equal((await translate(bob, unlisted.id, 'de')).status, 200);
    const followersOnly = await post(alice, { status: 'hello', visibility: 'private', language: 'en' });
    const refused = await translate(bob, followersOnly.id, 'de');
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { error: 'This action is not allowed' });
    assert.equal((await translate(carol, followersOnly.id, 'de')).status, 404);
    assert.equal((await translate(bob, '99999999999', 'de')).status, 404);
    const unsupported = await post(alice, { status: 'hello', language: 'en' });
    assert.equal((await translate(bob, unsupported.id, 'xx')).status, 403);
  });

  it('needs read:statuses and a user', async () => {
    const status = await post(alice, { status: 'hello', language: 'en' });
    assert.equal((await instance.request('POST', `/api/v1/statuses/${status.id}/translate`)).status, 401);
    const writeOnly = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['write'] });
    assert.equal((await translate({ token: writeOnly.accessToken }, status.id, 'de')).status, 403);
    const narrow = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['read:statuses'] });
    assert.equal((await translate({ token: narrow.accessToken }, status.id, 'de')).status, 200);
  });

  it("answers 503 when the service refuses or fails, with Mastodon's reasons", async () => {
    const status = await post(alice, { status: 'hello cat', language: 'en' });
    for (const [answer, error] of [
      [456, 'The translation service quota has been exceeded'],
      [429, 'There have been too many requests to the translation service'],
      [500, 'Service Unavailable'],
    ] as const) {
      deepl.answer = answer;
      const response = await translate(bob, status.id, 'de');
      assert.equal(response.status, 503, `${answer}: ${response.text}`);
      assert.deepEqual(response.body, { error });
    }
    deepl.answer = undefined;
    assert.equal((await translate(bob, status.id, 'de')).body.content, '<p>hallo Katze</p>');
  });

  it('throttles translations: 30 in 5 minutes per account, then 429 with the rate-limit headers', async () => {
    const reader = await instance.createUser('reader');
    const status = await post(alice, { status: 'hello world', language: 'en' });
    // from another address: requests from the machine itself are never throttled
    const away = (user: TestUser, address: string) =>
      instance.request('POST', `/api/v1/statuses/${status.id}/translate`, { token: user.token, json: { lang: 'de' }, headers: { 'x-forwarded-for': address } });
    // the throttle counts in fixed 5-minute windows: started in the last 20 s of one, the count would restart mid-way
    const intoWindow = (Date.now() / 1000) % 300;
    if (intoWindow > 280) await new Promise((resolve) => setTimeout(resolve, (300 - intoWindow) * 1000 + 100));
    for (let i = 1; i <= 30; i++) {
      const response = await away(reader, `198.51.100.${i}`);
      assert.equal(response.status, 200, `translation ${i}: ${response.text}`);
      assert.equal(response.headers.get('x-ratelimit-limit'), '30');
      assert.equal(response.headers.get('x-ratelimit-remaining'), String(30 - i));
    }
    const throttled = await away(reader, '198.51.100.31');
    assert.equal(throttled.status, 429);
    assert.deepEqual(throttled.body, { error: 'Too many requests' });
    assert.equal(throttled.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(throttled.headers.get('x-ratelimit-reset'));
    assert.equal((await away(bob, '198.51.100.31')).status, 200, 'another account is not throttled');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${status.id}`, { token: reader.token, headers: { 'x-forwarded-for': '198.51.100.31' } })).status, 200, 'nor are its other requests');
  });

  it("works from masto.js's client.v1.statuses.$select(id).translate and Mastodon.py's status_translate", async () => {
    const status = await post(alice, { status: 'hello world', language: 'en' });
    const client = createRestAPIClient({ url: instance.url, accessToken: bob.token });
    const translation = await client.v1.statuses.$select(status.id).translate({ lang: 'de' });
    assert.equal(translation.content, '<p>hallo Welt</p>');
    assert.equal(translation.provider, 'DeepL.com');
    // Mastodon.py's status_translate(id, lang='de') posts a form
    const python = await instance.request('POST', `/api/v1/statuses/${status.id}/translate`, { token: bob.token, form: { lang: 'de' } });
    assert.equal(python.status, 200, python.text);
    assert.equal(python.body.content, '<p>hallo Welt</p>');
  });
});

describe('translation with LibreTranslate', () => {
  let libre: TranslationService;
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    libre = await startLibreTranslate('libre-key');
    instance = await startInstance({ env: { LIBRE_TRANSLATE_ENDPOINT: libre.url, LIBRE_TRANSLATE_API_KEY: 'libre-key' } });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(async () => {
    await instance.close();
    await libre.close();
  });

  it("lists LibreTranslate's language pairs", async () => {
    const languages = await instance.request('GET', '/api/v1/instance/translation_languages');
    assert.deepEqual(languages.body, { en: ['de', 'fr'], de: ['en'], und: ['de', 'en', 'fr'] });
  });

  it('translates as HTML, with the API key, keeping mentions and links, and detects an unknown language', async () => {
    const created = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: RICH_POST });
    assert.equal(created.status, 200, created.text);
    const response = await instance.request('POST', `/api/v1/statuses/${created.body.id}/translate`, { token: bob.token, json: { lang: 'de' } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.provider, 'LibreTranslate');
    assert.equal(response.body.detected_source_language, 'en');
    assert.equal(response.body.spoiler_text, 'eine Katze');
    assert.match(response.body.content, /^<p>hallo Welt /);
    assert.match(response.body.content, /@<span>bob<\/span><\/a>/);
    assert.match(response.body.content, /href="https:\/\/example\.com\/hello"/);
    const request = libre.requests.find((entry) => entry.path === '/translate')!;
    assert.equal(request.body.format, 'html');
    assert.equal(request.body.source, 'en');
    assert.equal(request.body.target, 'de');
    assert.equal(request.body.api_key, 'libre-key');

    // a status without a language: the service detects it
    const unknown = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'hello cat' } });
    await instance.ctx.db.update(statuses).set({ language: null }).where(eq(statuses.id, unknown.body.id));
    const detected = await instance.request('POST', `/api/v1/statuses/${unknown.body.id}/translate`, { token: bob.token, json: { lang: 'de' } });
    assert.equal(detected.status, 200, detected.text);
    assert.equal(detected.body.detected_source_language, 'en');
    assert.equal(libre.requests.at(-1)!.body.source, 'auto');
  });
});
