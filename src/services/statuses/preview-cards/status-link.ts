import { Parser } from 'htmlparser2';
import type { Config } from '../../../config/index.ts';
import { extractEntities } from '../text/format-status.ts';

/** Longer URLs do not fit PostgreSQL's unique index on preview_cards.url (FetchLinkCardService::BYTESIZE_LIMIT). */
export const URL_BYTESIZE_LIMIT = 2692;

interface Anchor {
  href: string;
  rel: string;
  className: string;
}

function anchorsOf(html: string): Anchor[] {
  const anchors: Anchor[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'a' && attributes.href !== undefined) anchors.push({ href: attributes.href, rel: attributes.rel ?? '', className: attributes.class ?? '' });
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return anchors;
}

/** Addressable's normalize, as near as WHATWG URLs get (lower-case scheme and host, default port dropped); undefined when not a URL. */
function normalized(value: string): URL | undefined {
  try {
    return new URL(value.trim());
  } catch {
    return undefined;
  }
}

/** A link to this instance itself, or not http(s), or too long to be a card's URL (FetchLinkCardService#bad_url?). */
function badUrl(url: URL, config: Config): boolean {
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return true;
  const host = url.host.toLowerCase();
  if (host === config.localDomain.toLowerCase() || host === config.webDomain.toLowerCase()) return true;
  return Buffer.byteLength(url.href) > URL_BYTESIZE_LIMIT;
}

/**
 * FetchLinkCardService#skip_link?: `rel="tag"`, a microformats mention (`u-url`, `h-card`), or a link
 * to a mentioned account. Remote HTML is stored sanitized, its `rel` rewritten, so a hashtag is also
 * known by the `hashtag` class the sanitizer keeps.
 */
function isTagOrMention(anchor: Anchor, mentionUrls: string[]): boolean {
  const classes = anchor.className.split(/\s+/);
  return anchor.rel.split(/\s+/).includes('tag') || classes.includes('hashtag') || /u-url|h-card/.test(anchor.className) || mentionUrls.includes(anchor.href);
}

export interface LinkSource {
  local: boolean;
  /** the text as written (a local status) */
  text: string;
  /** the HTML (a remote status) */
  content: string;
  /** the URLs of the accounts it mentions (account.url, else its URI) */
  mentionUrls: string[];
}

/**
 * The link a status gets its card for (FetchLinkCardService#parse_urls): in a local status, the
 * first URL of its text; in a remote one, the first link of its HTML that is not a hashtag
 * (`rel="tag"`), not a mention (microformats `u-url`/`h-card`, or the URL of an account it
 * mentions), and never one to this instance.
 */
export function statusLink(status: LinkSource, config: Config): string | undefined {
  const candidates: (URL | undefined)[] = status.local
    ? status.text
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .flatMap((line) => extractEntities(line))
        .filter((entity) => entity.kind === 'url')
        .map((entity) => normalized(entity.url))
    : anchorsOf(status.content)
        .filter((a) => !isTagOrMention(a, status.mentionUrls))
        .map((a) => normalized(a.href));
  return candidates.find((url): url is URL => !!url && !badUrl(url, config))?.href;
}
