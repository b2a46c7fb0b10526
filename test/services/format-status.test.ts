import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countableLength, extractHashtags, extractMentions, renderStatusHtml } from '../../src/services/statuses/text/format-status.ts';

const BASE = 'https://example.social';
const known: Record<string, { username: string; url: string }> = {
  alice: { username: 'alice', url: `${BASE}/@alice` },
  'bob@remote.example': { username: 'bob', url: 'https://remote.example/@bob' },
};
const resolve = (username: string, domain: string | null) => known[domain ? `${username.toLowerCase()}@${domain}` : username.toLowerCase()];
const render = (text: string) => renderStatusHtml(text, BASE, resolve);

describe('status text formatting', () => {
  it('makes paragraphs and line breaks, escaping HTML', () => {
    assert.equal(render('Hello <b>world</b> & co'), '<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; co</p>');
    assert.equal(render('one\ntwo\n\nthree'), '<p>one<br />two</p><p>three</p>');
    assert.equal(render('a\r\n\r\n\r\nb'), '<p>a</p><p>b</p>');
    assert.equal(render('   '), '');
  });

  it('links URLs with the invisible and ellipsis spans', () => {
    assert.equal(
      render('see https://example.com/a.'),
      '<p>see <a href="https://example.com/a" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">example.com/a</span><span class="invisible"></span></a>.</p>',
    );
    const long = render('https://www.example.com/a/very/long/path/that/goes/on');
    assert.match(long, /<span class="invisible">https:\/\/www\.<\/span><span class="ellipsis">example\.com\/a\/very\/long\/path\/t<\/span><span class="invisible">hat\/goes\/on<\/span>/);
  });

  it('renders known mentions as h-cards and leaves unknown ones as text', () => {
    assert.equal(
      render('hi @Alice and @bob@remote.example and @nobody'),
      '<p>hi <span class="h-card" translate="no"><a href="https://example.social/@alice" class="u-url mention">@<span>alice</span></a></span> and ' +
        '<span class="h-card" translate="no"><a href="https://remote.example/@bob" class="u-url mention">@<span>bob</span></a></span> and @nobody</p>',
    );
    assert.equal(render('mail me@alice.example'), '<p>mail me@alice.example</p>');
  });

  it('renders hashtags and ignores all-digit ones and ones inside words or URLs', () => {
    assert.equal(render('#Hello world'), '<p><a href="https://example.social/tags/Hello" class="mention hashtag" rel="tag">#<span>Hello</span></a> world</p>');
    assert.equal(render('#123 a#b'), '<p>#123 a#b</p>');
    assert.deepEqual(extractHashtags('#café #Cafe_2 #日本語 #123 #café https://x.example/#frag'), ['café', 'Cafe_2', '日本語']);
    assert.match(render('#日本語'), /tags\/%E6%97%A5%E6%9C%AC%E8%AA%9E/);
  });

  it('extracts mentions once each', () => {
    assert.deepEqual(extractMentions('@a @b@x.example @A https://h.example/@c'), [
      { username: 'a', domain: null },
      { username: 'b', domain: 'x.example' },
    ]);
  });

  it('counts characters as Mastodon does', () => {
    assert.equal(countableLength('hello'), 5);
    assert.equal(countableLength(`https://example.com/${'a'.repeat(100)}`), 23);
    assert.equal(countableLength('@someone@a.very.long.domain.example hi'), '@someone hi'.length);
    assert.equal(countableLength('👩‍👩‍👧‍👦'), 1);
    assert.equal(countableLength('a\nb'), 3);
  });
});
