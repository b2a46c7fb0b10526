import { Parser } from 'htmlparser2';

/**
 * What a card is made of from an HTML page: its `<meta>` and `<link>` tags, `<title>`, the `lang`
 * of `<html>` and its JSON-LD scripts, read in one pass with htmlparser2 (entities decoded).
 */
export interface PageTags {
  /** `<meta property|name="…" content="…">`, the first of each name (names lower-cased) */
  meta: Map<string, string>;
  /** `<meta name="…">` only (Mastodon's `meta_tag`, for `description`) */
  metaByName: Map<string, string>;
  /** `<link rel="…" href="…">`, the first of each rel (lower-cased) */
  links: Map<string, string>;
  /** `<link type="…" href="…">`, the first of each type (oEmbed discovery) */
  linksByType: Map<string, string>;
  title: string | undefined;
  htmlLang: string | undefined;
  jsonLd: string[];
}

const keepFirst = (map: Map<string, string>, key: string | undefined, value: string | undefined) => {
  if (key && value !== undefined && !map.has(key)) map.set(key, value);
};

export function readPage(html: string): PageTags {
  const page: PageTags = { meta: new Map(), metaByName: new Map(), links: new Map(), linksByType: new Map(), title: undefined, htmlLang: undefined, jsonLd: [] };
  let text: string[] | undefined;
  let capture: 'title' | 'ld' | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'meta') {
          const content = attributes.content;
          const property = attributes.property?.trim().toLowerCase();
          const metaName = attributes.name?.trim().toLowerCase();
          keepFirst(page.meta, property, content);
          keepFirst(page.meta, metaName, content);
          keepFirst(page.metaByName, metaName, content);
        } else if (name === 'link') {
          keepFirst(page.links, attributes.rel?.trim().toLowerCase(), attributes.href);
          keepFirst(page.linksByType, attributes.type?.trim().toLowerCase(), attributes.href);
        } else if (name === 'html' && page.htmlLang === undefined) {
          page.htmlLang = attributes.lang;
        } else if (name === 'title' && page.title === undefined) {
          capture = 'title';
          text = [];
        } else if (name === 'script' && attributes.type?.trim().toLowerCase() === 'application/ld+json') {
          capture = 'ld';
          text = [];
        }
      },
      ontext(data) {
        text?.push(data);
      },
      onclosetag(name) {
        if (capture === 'title' && name === 'title') page.title = text!.join('');
        else if (capture === 'ld' && name === 'script') page.jsonLd.push(text!.join(''));
        else return;
        capture = undefined;
        text = undefined;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return page;
}

/** The text of an HTML fragment (Nokogiri's `.parse(s).text`): tags dropped, entities decoded. */
export function textOf(fragment: string): string {
  const parts: string[] = [];
  let skipped = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'script' || name === 'style') skipped++;
      },
      ontext(data) {
        if (skipped === 0) parts.push(data);
      },
      onclosetag(name) {
        if (name === 'script' || name === 'style') skipped = Math.max(0, skipped - 1);
      },
    },
    { decodeEntities: true },
  );
  parser.end(fragment);
  return parts.join('');
}

/** The children of an XML document's root as a flat map (an oEmbed XML answer: `<oembed><type>video</type>…`). */
export function readXmlFields(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let depth = 0;
  let current: string | undefined;
  let value: string[] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        depth++;
        if (depth === 2) {
          current = name;
          value = [];
        }
      },
      ontext(data) {
        if (current) value.push(data);
      },
      onclosetag() {
        if (depth === 2 && current) {
          fields[current] = value.join('').trim();
          current = undefined;
        }
        depth--;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
  return fields;
}
