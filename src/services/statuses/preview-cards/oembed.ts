import { sanitizeEmbedHtml } from './embed-html.ts';
import type { CardAttributes } from './link-details.ts';
import { readXmlFields } from './page.ts';

export type OEmbedFormat = 'json' | 'xml';
export interface OEmbedEndpoint {
  url: string;
  format: OEmbedFormat;
}

/** The page URL inside an endpoint's query (`?url=https%3A%2F%2F…`): what FetchOEmbedService turns into a template. */
const URL_PARAMETER = /(=(https?(%3A|:)(\/\/|%2F%2F)))([^&]*)/i;
/** Mastodon remembers a domain's endpoint for a day, and asks it without reading the page first. */
export const ENDPOINT_CACHE_SECONDS = 24 * 3600;

/** The discovered endpoint as an absolute URL; an https page's endpoint is asked over https too. */
export function resolveEndpoint(pageUrl: string, href: string): string | undefined {
  try {
    const base = new URL(pageUrl);
    const endpoint = new URL(href, base);
    if (base.protocol === 'https:') endpoint.protocol = 'https:';
    return endpoint.protocol === 'http:' || endpoint.protocol === 'https:' ? endpoint.href : undefined;
  } catch {
    return undefined;
  }
}

/** `https://host/oembed?url={url}` from an endpoint naming the page, to be cached for the domain; undefined when it names none. */
export function endpointTemplate(endpoint: string): string | undefined {
  return URL_PARAMETER.test(endpoint) ? endpoint.replace(URL_PARAMETER, '={url}') : undefined;
}

export function expandTemplate(template: string, pageUrl: string): string {
  return template.replace('{url}', encodeURIComponent(pageUrl));
}

type Json = Record<string, unknown>;

/** An oEmbed answer (JSON or XML) when it says version 1.0 and has a type (FetchOEmbedService#validate). */
export function parseOEmbed(body: string, format: OEmbedFormat): Json | undefined {
  let parsed: unknown;
  try {
    parsed = format === 'json' ? JSON.parse(body) : readXmlFields(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const embed = parsed as Json;
  const version = embed.version;
  const versionOk = version === '1.0' || version === 1;
  return versionOk && typeof embed.type === 'string' && embed.type ? embed : undefined;
}

const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const size = (value: unknown) => {
  const number = typeof value === 'number' ? value : Number.parseInt(text(value), 10);
  return Number.isFinite(number) && number > 0 && number < 100_000 ? Math.floor(number) : 0;
};
/** A URL of the answer resolved against the endpoint (Mastodon's `url + embed[:…]`), http(s) only. */
const resolved = (value: unknown, endpoint: string) => {
  const raw = text(value).trim();
  if (!raw) return '';
  try {
    const url = new URL(raw, endpoint);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
};

/**
 * FetchLinkCardService#attempt_oembed: a card from an oEmbed answer. A `photo` needs its `url`, a
 * `video` keeps its sanitized player HTML; `rich` (scripts, mostly) and unknown types give no card,
 * and the page's own tags are read instead.
 */
export function cardFromOEmbed(embed: Json, endpoint: string): Omit<CardAttributes, 'description' | 'linkType' | 'imageDescription' | 'language' | 'publishedAt'> | undefined {
  const common = {
    title: text(embed.title),
    authorName: text(embed.author_name),
    authorUrl: resolved(embed.author_url, endpoint),
    providerName: text(embed.provider_name),
    providerUrl: resolved(embed.provider_url, endpoint),
    html: '',
    embedUrl: '',
    width: 0,
    height: 0,
  };
  const thumbnail = resolved(embed.thumbnail_url, endpoint) || undefined;
  switch (embed.type) {
    case 'link':
      return { ...common, type: 'link', imageUrl: thumbnail };
    case 'photo': {
      const url = resolved(embed.url, endpoint);
      if (!url) return undefined;
      return { ...common, type: 'photo', embedUrl: url, imageUrl: url, width: size(embed.width), height: size(embed.height) };
    }
    case 'video':
      return { ...common, type: 'video', width: size(embed.width), height: size(embed.height), html: sanitizeEmbedHtml(text(embed.html)), imageUrl: thumbnail };
    default:
      return undefined;
  }
}
