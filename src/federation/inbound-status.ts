import { Article, Audio, Document, type DocumentLoader, Emoji, Event, Hashtag, Image, Link, Mention, Note, Object as APObject, Page, PUBLIC_COLLECTION, Question, Video } from '@fedify/vocab';
import type { Temporal } from '@js-temporal/polyfill';
import { escapeHtml } from '../lib/html.ts';
import { isLanguageCode } from '../services/statuses/languages.ts';
import { validTagName } from '../services/statuses/tag-entities.ts';
import { linkHtml } from '../services/statuses/text/plain-to-html.ts';
import { sanitizeRemoteHtml } from '../lib/sanitize-html.ts';

/*
 * A status object received from another server (Note, Question, or a type Mastodon converts:
 * Article, Page, Image, Video, Audio, Event), read as Mastodon's ActivityPub::Parser::StatusParser
 * and Activity::Create read it. Nothing here touches the network or the database: references
 * (mentions, the parent, emoji images, media) stay URIs for the caller to resolve.
 */

export type InboundVisibility = 'public' | 'unlisted' | 'private' | 'direct' | 'limited';

export interface InboundMention {
  /** the mentioned actor's URI */
  href: string;
  name: string | null;
}

export interface InboundEmoji {
  shortcode: string;
  imageUrl: string;
  uri: string | null;
  updatedAt: Date | null;
}

export interface InboundAttachment {
  url: string;
  mediaType: string | null;
  /** Mastodon's media type, from the MIME type */
  type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown';
  description: string | null;
  width: number | null;
  height: number | null;
  /** a valid BlurHash of at most 5×5 components (MediaAttachmentParser#blurhash) */
  blurhash: string | null;
  /** `focalPoint`, each coordinate in [-1, 1] */
  focus: { x: number; y: number } | null;
}

/** The status's `replies` collection: where to fetch it, and the reply URIs its embedded first page lists. */
export interface InboundReplies {
  /** the collection's id (or its first page's, when only that is named) */
  uri: string | null;
  /** the items of an embedded page, URIs only; null when none is embedded */
  items: string[] | null;
}

export interface InboundPoll {
  options: string[];
  /** votes per option, as the author's server counts them */
  tallies: number[];
  multiple: boolean;
  expiresAt: Date | null;
  votersCount: number | null;
}

export interface InboundStatus {
  uri: string;
  url: string | null;
  /** sanitized HTML */
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  /** from `to`/`cc`; `limited` only for an explicit `directMessage: false` (the caller turns direct into limited on silent mentions) */
  visibility: InboundVisibility;
  inReplyToUri: string | null;
  conversationUri: string | null;
  published: Date | null;
  updated: Date | null;
  mentions: InboundMention[];
  /** names without `#`, valid and each once (case-insensitively) */
  hashtags: string[];
  emojis: InboundEmoji[];
  attachments: InboundAttachment[];
  poll: InboundPoll | null;
  /** the `replies` collection, if the object names one */
  replies: InboundReplies | null;
  /** every `to`/`cc` recipient other than the public collection (actors and collections) */
  audience: string[];
}

export type ParseResult = { ok: true; status: InboundStatus } | { ok: false; reason: string };

export interface ParseContext {
  /** the actor the object arrived from: the object must live on its host and be attributed to it */
  actorId: URL;
  /** the actor's followers collection, which addressed alone makes a followers-only post */
  followersId: URL | null;
  /** the object's JSON as received, for what Fedify's vocabulary does not model (`conversation`, `directMessage`) */
  raw?: unknown;
  /** the enclosing activity's addressing, read where the object has none (as StatusParser does) */
  activity?: { to: URL[]; cc: URL[] };
}

/** Bounds on what one remote status may carry (Mastodon takes 4 attachments; the rest are sanity limits). */
export const LIMITS = {
  contentChars: 100_000,
  spoilerChars: 10_000,
  tags: 200,
  attachments: 4,
  attachmentDescriptionChars: 10_000,
  embeddedReplies: 100,
  pollOptions: 100,
  pollOptionChars: 1_000,
  emojiShortcodeChars: 100,
} as const;

const NATIVE = [Note, Question] as const;
const CONVERTED = [Article, Page, Image, Video, Audio, Event] as const;

const noFetch: DocumentLoader = async (url) => {
  throw new Error(`not fetching ${url} while reading a status`);
};
/**
 * Options for Fedify's property getters that read only what is embedded: the mapping never
 * fetches, so a reference it cannot read inline is left out. Embedded objects from another origin
 * are taken as they are, since the mapping checks hosts itself and keeps only references.
 */
export const INLINE = { documentLoader: noFetch, contextLoader: noFetch, suppressError: true, crossOrigin: 'trust' } as const;

type Text = string | { toString(): string; locale?: Intl.Locale };

const isPlain = (value: Text): value is string => typeof value === 'string';

/** Mastodon reads `content` first, then the first of `contentMap`. */
function pickText(values: readonly Text[]): string | null {
  const plain = values.find((value) => isPlain(value) && value.length > 0);
  const picked = plain ?? values.find((value) => value.toString().length > 0);
  // PostgreSQL cannot store NUL
  return picked === undefined ? null : picked.toString().replaceAll('\0', '');
}

/** The first language of a `*Map`, as an ISO 639-1 code Subspace knows. */
function pickLanguage(...lists: readonly (readonly Text[])[]): string | null {
  for (const values of lists) {
    for (const value of values) {
      if (isPlain(value) || !value.locale) continue;
      const code = value.locale.language?.toLowerCase();
      return code && isLanguageCode(code) ? code : null;
    }
  }
  return null;
}

const toDate = (instant: Temporal.Instant | null): Date | null => (instant ? new Date(instant.epochMilliseconds) : null);

const isPublic = (id: URL) => id.href === PUBLIC_COLLECTION.href || id.href === 'as:Public' || id.href === 'Public';

function rawField(raw: unknown, key: string): unknown {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

/** StatusParser#visibility, reading the addressing of the object (the Create's when the object has none). */
export function visibilityOf(to: URL[], cc: URL[], followersId: URL | null, directMessage?: unknown): InboundVisibility {
  if (to.some(isPublic)) return 'public';
  if (cc.some(isPublic)) return 'unlisted';
  if (followersId && to.some((id) => id.href === followersId.href)) return 'private';
  if (directMessage === false) return 'limited';
  return 'direct';
}

function urlOf(value: URL | Link | null): string | null {
  const href = value instanceof Link ? value.href : value;
  return href && (href.protocol === 'https:' || href.protocol === 'http:') ? href.href : null;
}

/** The `url` to show: Mastodon prefers a text/html link, and drops one on another host. */
function objectUrl(object: APObject, host: string): string | null {
  const candidates = object.urls;
  const html = candidates.find((value) => value instanceof Link && value.mediaType === 'text/html') ?? candidates[0] ?? null;
  const url = urlOf(html);
  return url && new URL(url).host === host ? url : null;
}

// MediaAttachment's IMAGE_MIME_TYPES, VIDEO_MIME_TYPES and AUDIO_MIME_TYPES
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif']);
const VIDEO_TYPES = new Set(['video/webm', 'video/mp4', 'video/quicktime', 'video/ogg']);
const AUDIO_TYPES = new Set([
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wave',
  'audio/vnd.wave',
  'audio/ogg',
  'audio/vorbis',
  'audio/mpeg',
  'audio/mp3',
  'audio/webm',
  'audio/flac',
  'audio/aac',
  'audio/m4a',
  'audio/x-m4a',
  'audio/mp4',
  'audio/3gpp',
  'video/x-ms-asf',
]);

/**
 * Mastodon's media type from the MIME type it would download (MediaAttachment#set_type_and_extension).
 * A GIF stays an image: Mastodon makes `gifv` of one only by transcoding it to MP4, and the GIF
 * itself is what is shown here. A type Mastodon does not download is `unknown`, shown as a link.
 */
export function mediaTypeOf(mime: string | null): InboundAttachment['type'] {
  const type = (mime?.split(';')[0] ?? '').trim().toLowerCase();
  if (VIDEO_TYPES.has(type)) return 'video';
  if (AUDIO_TYPES.has(type)) return 'audio';
  if (IMAGE_TYPES.has(type)) return 'image';
  return 'unknown';
}

const BASE83 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

/** MediaAttachmentParser#supported_blurhash?: of BlurHash's characters, of at most 5×5 components (its first character says). */
export function validBlurhash(value: unknown): string | null {
  if (typeof value !== 'string' || value.length < 6 || value.length > 100 || !/^[\w#$%*+,\-.:;=?@[\]^{|}~]+$/.test(value)) return null;
  const flag = BASE83.indexOf(value[0]!);
  if (flag < 0) return null;
  const x = (flag % 9) + 1;
  const y = Math.floor(flag / 9) + 1;
  if (x > 5 || y > 5) return null;
  return value;
}

function focusOf(value: unknown): { x: number; y: number } | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [x, y] = value.map(Number) as [number, number];
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 1 && Math.abs(y) <= 1 ? { x, y } : null;
}

/**
 * A `toot:` term of an attachment as received: compact (`focalPoint`), or by its full IRI when the
 * activity was compacted without Mastodon's context (what Fedify gives for a signed activity it
 * parsed again), where a list is `{"@list": [...]}` and a value may be `{"@value": …}`.
 */
function tootField(source: Record<string, unknown> | undefined, term: string): unknown {
  const value = source?.[term] ?? source?.[`toot:${term}`] ?? source?.[`http://joinmastodon.org/ns#${term}`];
  if (isRecord(value) && Array.isArray(value['@list'])) return value['@list'];
  if (isRecord(value) && '@value' in value) return value['@value'];
  return value;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The href of a raw `url` value (a string, a Link, or a list of them), as Mastodon's url_to_href. */
function rawHref(value: unknown): string | null {
  const first = asArray(value)[0];
  if (typeof first === 'string') return first;
  if (isRecord(first) && typeof first.href === 'string') return first.href;
  return null;
}

async function readTags(object: APObject) {
  const mentions: InboundMention[] = [];
  const hashtags = new Map<string, string>();
  const emojis = new Map<string, InboundEmoji>();
  let seen = 0;
  for await (const tag of object.getTags(INLINE)) {
    if (++seen > LIMITS.tags) break;
    if (tag instanceof Mention) {
      const href = urlOf(tag.href);
      if (href && !mentions.some((mention) => mention.href === href)) mentions.push({ href, name: tag.name?.toString() ?? null });
    } else if (tag instanceof Hashtag) {
      const name = tag.name?.toString().replace(/^#/, '').trim();
      if (name && validTagName(name) && !hashtags.has(name.toLowerCase())) hashtags.set(name.toLowerCase(), name);
    } else if (tag instanceof Emoji) {
      const shortcode = tag.name?.toString().replace(/:/g, '').trim();
      const icon = await tag.getIcon(INLINE);
      const imageUrl = icon ? urlOf(icon.url) : null;
      if (!shortcode || shortcode.length > LIMITS.emojiShortcodeChars || !/^\w+$/.test(shortcode) || !imageUrl) continue;
      emojis.set(shortcode, { shortcode, imageUrl, uri: tag.id?.href ?? null, updatedAt: toDate(tag.updated) });
    }
  }
  return { mentions, hashtags: [...hashtags.values()], emojis: [...emojis.values()] };
}

/**
 * Attachments as Mastodon's Create#process_attachments takes them: in order, the first four with an
 * http(s) `url` whatever their type, the description from `summary` or `name`; blurhash and focal
 * point (which Fedify's vocabulary does not model) from the object's JSON as received.
 */
async function readAttachments(object: APObject, raw: unknown): Promise<InboundAttachment[]> {
  const rawItems = asArray(rawField(raw, 'attachment')).filter(isRecord);
  const attachments: InboundAttachment[] = [];
  for await (const item of object.getAttachments(INLINE)) {
    if (attachments.length >= LIMITS.attachments) break;
    if (!(item instanceof APObject)) continue;
    const link = item.url;
    const url = urlOf(link);
    if (!url) continue;
    const source = rawItems.find((candidate) => {
      const href = rawHref(candidate.url);
      return href !== null && URL.canParse(href) && new URL(href).href === url;
    });
    const mediaType = item.mediaType ?? (link instanceof Link ? link.mediaType : null);
    const text = (pickText(item.summaries) || pickText(item.names))?.trim();
    const document = item instanceof Document ? item : null;
    attachments.push({
      url,
      mediaType,
      type: mediaTypeOf(mediaType),
      description: text ? text.slice(0, LIMITS.attachmentDescriptionChars) : null,
      width: positive(document?.width),
      height: positive(document?.height),
      blurhash: validBlurhash(tootField(source, 'blurhash')),
      focus: focusOf(tootField(source, 'focalPoint')),
    });
  }
  return attachments;
}

const positive = (value: number | null | undefined) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value < 1_000_000 ? value : null);

/** The `replies` collection: its URI, and what an embedded first page lists (Create#fetch_replies reads those without fetching). */
function readReplies(raw: unknown, object: APObject): InboundReplies | null {
  const value = rawField(raw, 'replies');
  const uri = (href: unknown) => (typeof href === 'string' && /^https?:\/\//i.test(href) && href.length <= 2_000 ? href : null);
  if (typeof value === 'string') return { uri: uri(value), items: null };
  if (!isRecord(value)) return object.repliesId ? { uri: uri(object.repliesId.href), items: null } : null;
  const page = isRecord(value.first) ? value.first : value;
  const listed = page.orderedItems ?? page.items;
  const items =
    listed === undefined
      ? null
      : asArray(listed)
          .slice(0, LIMITS.embeddedReplies)
          .map((item) => uri(isRecord(item) ? item.id : item))
          .filter((item): item is string => item !== null);
  return { uri: uri(value.id) ?? uri(value.first), items };
}

async function readPoll(question: Question): Promise<InboundPoll | { error: string } | null> {
  const exclusive: APObject[] = [];
  const inclusive: APObject[] = [];
  for await (const option of question.getExclusiveOptions(INLINE)) {
    exclusive.push(option);
    if (exclusive.length > LIMITS.pollOptions) return { error: 'too many poll options' };
  }
  for await (const option of question.getInclusiveOptions(INLINE)) {
    inclusive.push(option);
    if (inclusive.length > LIMITS.pollOptions) return { error: 'too many poll options' };
  }
  const multiple = inclusive.length > 0;
  const items = multiple ? inclusive : exclusive;
  if (items.length === 0) return null;
  const options: string[] = [];
  const tallies: number[] = [];
  for (const item of items) {
    const title = (pickText(item.names) ?? pickText(item.contents) ?? '').trim();
    if (!title) continue;
    if (title.length > LIMITS.pollOptionChars) return { error: 'poll option too long' };
    const replies = await item.getReplies(INLINE);
    const count = replies?.totalItems ?? 0;
    options.push(title);
    tallies.push(Number.isSafeInteger(count) && count >= 0 ? count : 0);
  }
  if (options.length === 0) return null;
  // Activity::Create#process_poll: a closed date ends it then; `closed: true` ends it now
  const closed = question.closed;
  const expiresAt = typeof closed === 'object' && closed !== null ? toDate(closed) : closed === true ? new Date() : toDate(question.endTime);
  const voters = question.voters;
  return { options, tallies, multiple, expiresAt, votersCount: voters !== null && Number.isSafeInteger(voters) && voters >= 0 ? voters : null };
}

/** Mastodon's converted_text: the title as a heading, the summary, and a link to the original. */
function convertedContent(object: APObject, url: string | null, uri: string): string {
  const title = pickText(object.names);
  const summary = pickText(object.summaries);
  const parts = [title ? `<h2>${escapeHtml(title)}</h2>` : null, summary || null, `<p>${linkHtml(url ?? uri)}</p>`];
  return parts.filter((part) => part !== null).join('\n\n');
}

/**
 * Reads a remote status object into the fields of a status, or says why it is refused: an
 * unsupported type, no id, an id or author on another host than the actor's, or content too big.
 */
export async function parseStatusObject(object: APObject, context: ParseContext): Promise<ParseResult> {
  const native = NATIVE.some((type) => object instanceof type);
  const converted = !native && CONVERTED.some((type) => object instanceof type);
  if (!native && !converted) return { ok: false, reason: 'unsupported object type' };
  if (!object.id || (object.id.protocol !== 'https:' && object.id.protocol !== 'http:')) return { ok: false, reason: 'object without an http(s) id' };
  const host = context.actorId.host;
  if (object.id.host !== host) return { ok: false, reason: 'object and actor on different hosts' };
  const attributedTo = object.attributionIds;
  if (attributedTo.length > 0 && !attributedTo.some((id) => id.href === context.actorId.href)) return { ok: false, reason: 'object attributed to another actor' };

  const uri = object.id.href;
  const url = objectUrl(object, host);
  const rawContent = converted ? convertedContent(object, url, uri) : (pickText(object.contents) ?? '');
  if (rawContent.length > LIMITS.contentChars) return { ok: false, reason: 'content too long' };
  const spoilerText = converted ? '' : (pickText(object.summaries) ?? '').trim();
  if (spoilerText.length > LIMITS.spoilerChars) return { ok: false, reason: 'summary too long' };

  const poll = object instanceof Question ? await readPoll(object) : null;
  if (poll && 'error' in poll) return { ok: false, reason: poll.error };
  const { mentions, hashtags, emojis } = await readTags(object);

  const to = object.toIds.length ? object.toIds : (context.activity?.to ?? []);
  const cc = object.ccIds.length ? object.ccIds : (context.activity?.cc ?? []);
  const conversation = rawField(context.raw, 'conversation');
  const contextId = object.contextIds[0]?.href ?? null;
  const published = toDate(object.published);
  const updated = toDate(object.updated);
  return {
    ok: true,
    status: {
      uri,
      url,
      content: sanitizeRemoteHtml(rawContent),
      // the warning is plain text in Mastodon's API
      spoilerText,
      sensitive: object.sensitive === true,
      language: pickLanguage(object.contents, object.names, object.summaries),
      visibility: visibilityOf(to, cc, context.followersId, rawField(context.raw, 'directMessage')),
      inReplyToUri: object.replyTargetId?.href ?? null,
      conversationUri: typeof conversation === 'string' && conversation.length <= 2_000 ? conversation : contextId,
      published,
      updated: updated && published && updated.getTime() !== published.getTime() ? updated : null,
      mentions,
      hashtags,
      emojis,
      attachments: await readAttachments(object, context.raw),
      poll,
      replies: readReplies(context.raw, object),
      // the author's followers collection is addressed to nearly always, and is no account
      audience: [...new Set([...to, ...cc].filter((id) => !isPublic(id) && id.href !== context.followersId?.href).map((id) => id.href))],
    },
  };
}
