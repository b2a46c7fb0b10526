import { isLanguageCode } from '../languages.ts';
import { embedIframe } from './embed-html.ts';
import { readPage, textOf, type PageTags } from './page.ts';

/** What a card says, whichever way it was read (a page's tags or its oEmbed). */
export interface CardAttributes {
  title: string;
  description: string;
  type: 'link' | 'photo' | 'video' | 'rich';
  linkType: 'unknown' | 'article' | null;
  html: string;
  authorName: string;
  authorUrl: string;
  providerName: string;
  providerUrl: string;
  width: number;
  height: number;
  embedUrl: string;
  imageDescription: string;
  language: string | null;
  publishedAt: Date | null;
  /** the image to download, if any */
  imageUrl: string | undefined;
}

/** JSON-LD types Mastodon reads a card from. */
const STRUCTURED_TYPES = new Set(['NewsArticle', 'WebPage']);
/** Commented-out CDATA wrappers some publications put around their JSON-LD. */
const CDATA_JUNK = /^\s*(\/\*\s*<!\[CDATA\[\s*\*\/|\/\/\s*<!\[CDATA\[|\/\*\s*\]\]>\s*\*\/|\/\/\s*\]\]>)\s*$/gm;

type Json = Record<string, unknown>;
const record = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The first JSON-LD object of a supported type (LinkDetailsExtractor::StructuredData); invalid scripts are skipped. */
function structuredData(page: PageTags): Json | undefined {
  for (const script of page.jsonLd) {
    const source = textOf(script.replace(CDATA_JUNK, ''));
    if (!source.trim()) continue;
    try {
      const parsed: unknown = JSON.parse(source);
      const found = (Array.isArray(parsed) ? parsed : [parsed]).map(record).find((item) => item && STRUCTURED_TYPES.has(String(item['@type'])));
      if (found) return found;
    } catch {
      // some pages carry broken JSON-LD: try the next script
    }
  }
  return undefined;
}

/** A language code Mastodon accepts (valid_locale_or_nil): as given, or without its region (`en_US` is `en`). */
export function validLanguage(value: string | undefined): string | null {
  if (!value?.trim()) return null;
  const code = value.trim().toLowerCase().split(/[_-]/)[0]!;
  return isLanguageCode(code) ? code : null;
}

/** `value` resolved against `base`, when it is an http(s) URL with a host (valid_url_or_nil). */
export function validUrl(value: string | undefined, base: URL, sameOriginOnly = false): string | undefined {
  if (!value?.trim() || value === 'null') return undefined;
  try {
    const url = new URL(value.trim(), base);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined;
    if (sameOriginOnly && url.hostname !== base.hostname) return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

function dimension(value: string | undefined): number {
  const number = Number.parseInt(value ?? '', 10);
  return Number.isFinite(number) && number > 0 && number < 100_000 ? number : 0;
}

function date(value: unknown): Date | null {
  if (typeof value !== 'string' || !value.trim()) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

export interface PageDetails {
  attributes: CardAttributes;
  /** the page's canonical URL (same host only), else the URL it was read from */
  canonicalUrl: string;
  /** the oEmbed endpoint it advertises (`<link type="application/json+oembed">`), if any */
  oembed: { href: string; format: 'json' | 'xml' } | undefined;
}

/** Mastodon's LinkDetailsExtractor: a card from a page's JSON-LD, OpenGraph, Twitter and HTML tags. */
export function pageDetails(pageUrl: string, html: string): PageDetails {
  const base = new URL(pageUrl);
  const page = readPage(html);
  const data = structuredData(page);
  const tag = (name: string) => page.meta.get(name);
  const author = record(first(data?.author)) ?? {};
  const publisher = record(first(data?.publisher)) ?? {};

  const playerUrl = validUrl(tag('twitter:player'), base);
  const width = dimension(tag('twitter:player:width'));
  const height = dimension(tag('twitter:player:height'));
  const language = (() => {
    const value = first(data?.inLanguage);
    return str(value) ?? str(record(value)?.alternateName) ?? str(record(value)?.name);
  })();
  const ogSite = tag('og:site');
  const attributes: CardAttributes = {
    title: textOf(str(data?.headline) ?? tag('og:title') ?? page.title ?? '').trim(),
    description: textOf(str(data?.description) ?? tag('og:description') ?? page.metaByName.get('description') ?? ''),
    type: playerUrl ? 'video' : 'link',
    linkType: data?.['@type'] === 'NewsArticle' || tag('og:type') === 'article' ? 'article' : 'unknown',
    html: playerUrl ? embedIframe(playerUrl, width, height) : '',
    authorName: textOf(str(author.name) ?? tag('og:author') ?? tag('og:author:username') ?? ''),
    authorUrl: validUrl(str(author.url), base) ?? '',
    providerName: textOf(str(publisher.name) ?? tag('og:site_name') ?? ''),
    providerUrl: validUrl(ogSite && !/^https?:\/\//i.test(ogSite) ? `http://${ogSite}` : ogSite, base) ?? '',
    width,
    height,
    embedUrl: validUrl(tag('twitter:player:stream'), base) ?? '',
    imageDescription: tag('og:image:alt') ?? '',
    language: validLanguage(language ?? tag('og:locale') ?? page.htmlLang),
    publishedAt: date(data?.datePublished ?? tag('article:published_time')),
    imageUrl: validUrl(tag('og:image'), base),
  };
  const jsonEndpoint = page.linksByType.get('application/json+oembed') ?? page.linksByType.get('text/json+oembed');
  const xmlEndpoint = page.linksByType.get('text/xml+oembed');
  return {
    attributes,
    canonicalUrl: validUrl(page.links.get('canonical') ?? tag('og:url'), base, true) ?? base.href,
    oembed: jsonEndpoint ? { href: jsonEndpoint, format: 'json' } : xmlEndpoint ? { href: xmlEndpoint, format: 'xml' } : undefined,
  };
}
