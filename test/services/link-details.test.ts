import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { pageDetails } from '../../src/services/statuses/preview-cards/link-details.ts';
import { cardFromOEmbed, endpointTemplate, expandTemplate, parseOEmbed } from '../../src/services/statuses/preview-cards/oembed.ts';
import { statusLink } from '../../src/services/statuses/preview-cards/status-link.ts';

describe('link details (LinkDetailsExtractor)', () => {
  it('prefers JSON-LD, then OpenGraph, then the page’s own tags', () => {
    const html = `<html lang="fr-FR"><head><title>Fallback &amp; title</title>
      <script type="application/ld+json">//<![CDATA[
        [{"@type":"Organization","name":"x"},{"@type":"NewsArticle","headline":"Le titre","description":"<b>Bold</b> words","inLanguage":"de",
          "datePublished":"2024-02-03T04:05:06Z","author":[{"name":"Ann","url":"/ann"}],"publisher":{"name":"Le Journal"}}]
      //]]></script>
      <script type="application/ld+json">{ broken</script>
      <meta property="og:title" content="OG title"><meta name="description" content="meta description">
      <meta property="og:image" content="javascript:alert(1)">
      <link rel="canonical" href="https://news.example/canonical"></head></html>`;
    const { attributes, canonicalUrl, oembed } = pageDetails('https://news.example/story?utm=1', html);
    assert.equal(attributes.title, 'Le titre');
    assert.equal(attributes.description, 'Bold words');
    assert.equal(attributes.language, 'de');
    assert.equal(attributes.linkType, 'article');
    assert.equal(attributes.authorName, 'Ann');
    assert.equal(attributes.authorUrl, 'https://news.example/ann');
    assert.equal(attributes.providerName, 'Le Journal');
    assert.equal(attributes.publishedAt?.toISOString(), '2024-02-03T04:05:06.000Z');
    assert.equal(attributes.imageUrl, undefined, 'only http(s) images');
    assert.equal(canonicalUrl, 'https://news.example/canonical');
    assert.equal(oembed, undefined);

    const plain = pageDetails(
      'https://blog.example/post',
      `<html lang="en_GB"><title> Just a title </title><meta name="description" content="Plain"><link rel="canonical" href="https://elsewhere.example/">`,
    );
    assert.equal(plain.attributes.title, 'Just a title');
    assert.equal(plain.attributes.description, 'Plain');
    assert.equal(plain.attributes.language, 'en', 'a region is dropped');
    assert.equal(plain.attributes.linkType, 'unknown');
    assert.equal(plain.canonicalUrl, 'https://blog.example/post', 'a canonical URL on another host is ignored');
  });

  it('makes a video card of a Twitter player, and finds oEmbed endpoints', () => {
    const { attributes, oembed } = pageDetails(
      'https://videos.example/v/1',
      `<meta name="twitter:player" content="https://videos.example/embed/1"><meta name="twitter:player:width" content="480"><meta name="twitter:player:height" content="270">
       <meta property="og:title" content="Clip"><link rel="alternate" type="text/json+oembed" href="/oembed?url=https%3A%2F%2Fvideos.example%2Fv%2F1">`,
    );
    assert.equal(attributes.type, 'video');
    assert.equal(attributes.html, '<iframe src="https://videos.example/embed/1" width="480" height="270" allowfullscreen="true" allowtransparency="true" scrolling="no" frameborder="0"></iframe>');
    assert.deepEqual(oembed, { href: '/oembed?url=https%3A%2F%2Fvideos.example%2Fv%2F1', format: 'json' });
  });

  it('reads oEmbed answers as Mastodon does', () => {
    const template = endpointTemplate('https://videos.example/oembed?url=https%3A%2F%2Fvideos.example%2Fv%2F1&format=json');
    assert.equal(template, 'https://videos.example/oembed?url={url}&format=json');
    assert.equal(expandTemplate(template!, 'https://videos.example/v/2?t=1'), 'https://videos.example/oembed?url=https%3A%2F%2Fvideos.example%2Fv%2F2%3Ft%3D1&format=json');
    assert.equal(endpointTemplate('https://videos.example/oembed/1.json'), undefined);
    assert.equal(parseOEmbed('{"version":"2.0","type":"video"}', 'json'), undefined);
    assert.equal(parseOEmbed('not json', 'json'), undefined);
    const xml = parseOEmbed('<?xml version="1.0"?><oembed><version>1.0</version><type>photo</type><url>/p.jpg</url><width>300</width><height>200</height></oembed>', 'xml');
    const photo = cardFromOEmbed(xml!, 'https://photos.example/oembed');
    assert.deepEqual([photo?.type, photo?.embedUrl, photo?.imageUrl, photo?.width, photo?.height], ['photo', 'https://photos.example/p.jpg', 'https://photos.example/p.jpg', 300, 200]);
    assert.equal(cardFromOEmbed({ version: 1, type: 'rich', html: '<script></script>' }, 'https://x.example/'), undefined, 'rich embeds give no card');
    assert.equal(cardFromOEmbed({ version: '1.0', type: 'photo' }, 'https://x.example/'), undefined, 'a photo needs its url');
  });
});

describe('the link a status gets its card for', () => {
  const config = loadConfig({ LOCAL_DOMAIN: 'subspace.test', NODE_ENV: 'test', SUBSPACE_DATA_DIR: '/tmp/unused' });
  it('is the first URL of a local text that is not this instance', () => {
    const link = statusLink({ local: true, text: '@bob@remote.example #tag see http://subspace.test/@alice and https://News.Example/a?b=1.', content: '', mentionUrls: [] }, config);
    assert.equal(link, 'https://news.example/a?b=1');
  });
  it('is the first link of remote HTML that is no hashtag or mention', () => {
    const content =
      '<p><a href="https://remote.example/tags/x" class="mention hashtag" rel="nofollow noopener">#x</a> ' +
      '<a href="https://remote.example/@carol" class="u-url mention">@carol</a> <a href="https://misskey.example/@dan">@dan</a> ' +
      '<a href="ftp://files.example/">ftp</a> <a href="https://good.example/page">page</a></p>';
    assert.equal(statusLink({ local: false, text: '', content, mentionUrls: ['https://misskey.example/@dan'] }, config), 'https://good.example/page');
    assert.equal(statusLink({ local: false, text: '', content: '<p>no links</p>', mentionUrls: [] }, config), undefined);
  });
});
