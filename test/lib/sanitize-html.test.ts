import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NESTING, sanitizeRemoteHtml } from '../../src/lib/sanitize-html.ts';

describe("remote HTML is cut down to Mastodon's allowed subset (MASTODON_STRICT)", () => {
  it('keeps what Mastodon keeps: mentions, hashtags, links with their invisible/ellipsis spans, lists, code', () => {
    const mention = '<p>Hi <span class="h-card" translate="no"><a href="https://a.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>';
    assert.equal(
      sanitizeRemoteHtml(mention),
      '<p>Hi <span class="h-card" translate="no"><a href="https://a.example/@bob" class="u-url mention" rel="nofollow noopener" target="_blank">@<span>bob</span></a></span></p>',
    );
    const link = '<a href="https://joinmastodon.org/about"><span class="invisible">https://</span><span class="ellipsis">joinmastodon.org</span></a>';
    assert.equal(
      sanitizeRemoteHtml(link),
      '<a href="https://joinmastodon.org/about" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">joinmastodon.org</span></a>',
    );
    const blocks =
      '<blockquote><p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><del>d</del><s>s</s><code>c</code></p></blockquote><pre>x</pre><ol start="3" reversed><li value="5">x</li></ol><ul><li>y</li></ul><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby><br>';
    assert.equal(sanitizeRemoteHtml(blocks), blocks.replace('<br>', '<br />'));
    assert.equal(sanitizeRemoteHtml('<p lang="de">Hallo</p>'), '<p lang="de">Hallo</p>');
  });

  it('lets through only links Mastodon can follow, with rel and target of its own; the others become their text', () => {
    assert.equal(sanitizeRemoteHtml('<a href="https://x.example" rel="me" target="_self">ok</a>'), '<a href="https://x.example" rel="nofollow noopener" target="_blank">ok</a>');
    for (const scheme of ['gemini://x.example/', 'magnet:?xt=urn:btih:abc', 'xmpp:bob@x.example', 'ipfs://cid']) {
      assert.match(sanitizeRemoteHtml(`<a href="${scheme}">l</a>`), /^<a href=/, scheme);
    }
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java&#x09;script:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      '/relative',
      '//evil.example/',
      '#top',
      '',
    ]) {
      assert.equal(sanitizeRemoteHtml(`<a href="${href}">text</a>`), '<span>text</span>', href);
    }
    assert.equal(sanitizeRemoteHtml('<a>no href</a>'), '<span>no href</span>');
    // the link after a refused one keeps its own closing tag
    assert.equal(sanitizeRemoteHtml('<a href="javascript:x">a</a> <a href="https://b.example/">b</a>'), '<span>a</span> <a href="https://b.example/" rel="nofollow noopener" target="_blank">b</a>');
  });

  it('keeps only the microformat, mention, hashtag, ellipsis and invisible classes, and translate="no"', () => {
    assert.equal(sanitizeRemoteHtml('<p class="p-name evil mention">x</p>'), '<p class="p-name mention">x</p>');
    assert.equal(sanitizeRemoteHtml('<span class="big red">x</span>'), '<span>x</span>');
    assert.equal(sanitizeRemoteHtml('<span translate="yes">x</span>'), '<span>x</span>');
    assert.equal(sanitizeRemoteHtml('<code class="language-js">x</code>'), '<code>x</code>');
  });

  it('drops scripts, styles and embedded documents with their content, and every event handler and style', () => {
    const hostile =
      '<p onclick="alert(1)" style="position:fixed">Hi<script>alert(2)</script><style>p{}</style><img src=x onerror=alert(3)>' +
      '<iframe src="https://evil.example">frame</iframe><svg><a href="https://x.example">svg</a></svg><math><mi>x</mi></math>' +
      '<object data="x">obj</object><noscript>ns</noscript><template><b>t</b></template><textarea>ta</textarea></p>';
    assert.equal(sanitizeRemoteHtml(hostile), '<p>Hi</p>');
    assert.equal(sanitizeRemoteHtml('<scr<script>ipt>alert(1)</script>'), 'ipt&gt;alert(1)');
  });

  it('unwraps other elements, keeping their text; headings become bold paragraphs', () => {
    assert.equal(sanitizeRemoteHtml('<div><table><tr><td>cell</td></tr></table><form><input name=x>f</form></div>'), 'cellf');
    assert.equal(sanitizeRemoteHtml('<h1 class="title">Title</h1><p>body</p>'), '<p><strong>Title</strong></p><p>body</p>');
    assert.equal(sanitizeRemoteHtml('<subspace-heading>not a heading</subspace-heading>'), '<span>not a heading</span>');
  });

  it('escapes text, closes what is left open, and survives hostile nesting', () => {
    assert.equal(sanitizeRemoteHtml('<p>a &amp; b &lt;c&gt; <b>bold'), '<p>a &amp; b &lt;c&gt; <b>bold</b></p>');
    assert.equal(sanitizeRemoteHtml('<p>1 < 2 > 0 "q"</p>'), '<p>1 &lt; 2 &gt; 0 "q"</p>');
    const depth = 20_000;
    const started = Date.now();
    const deep = sanitizeRemoteHtml(`${'<span>'.repeat(depth)}x${'</span>'.repeat(depth)}`);
    assert.ok(Date.now() - started < 5_000, 'in reasonable time');
    assert.equal((deep.match(/<span>/g) ?? []).length, MAX_NESTING);
    assert.ok(deep.includes('x'));
  });
});
