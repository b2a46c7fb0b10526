import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { TranslationRefused, TranslationUnavailable, type Translator } from '../../backends/translation/index.ts';
import type { AppContext } from '../../context.ts';
import { mediaAttachments, polls } from '../../db/schema.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { htmlToPlainText } from '../../lib/filter-matching.ts';
import { escapeHtml } from '../../lib/html.ts';
import { sanitizeRemoteHtml } from '../../lib/sanitize-html.ts';
import type { StatusTranslation } from '../../serializers/translation.ts';
import { findVisibleStatus } from './visibility.ts';

/** How long a translation and the service's languages are kept (TranslateStatusService::CACHE_TTL, Mastodon's languages cache). */
const TRANSLATION_TTL_SECONDS = 24 * 60 * 60;
const LANGUAGES_TTL_SECONDS = 7 * 24 * 60 * 60;
const LANGUAGES_KEY = 'translation_service/languages';

const notAllowed = () => new ApiError(403, 'This action is not allowed');

function configured(ctx: AppContext): Translator {
  // no service: the route does not exist, as Mastodon answers NotConfiguredError
  if (!ctx.translator) throw notFound();
  return ctx.translator;
}

/** What the service's errors mean to a client: 503 with Mastodon's messages. */
async function asked<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TranslationRefused) throw new ApiError(503, error.message);
    if (error instanceof TranslationUnavailable) throw new ApiError(503, 'Service Unavailable');
    throw error;
  }
}

/**
 * The language pairs the service translates (`GET /api/v1/instance/translation_languages`):
 * source → targets, `und` for a detected source; none without a service. Kept for a week.
 */
export async function translationLanguages(ctx: AppContext): Promise<Record<string, string[]>> {
  if (!ctx.translator) return {};
  const cached = await ctx.cache.get(LANGUAGES_KEY);
  if (cached) return JSON.parse(cached) as Record<string, string[]>;
  const languages = await asked(() => ctx.translator!.languages());
  const rendered = Object.fromEntries([...languages].map(([source, targets]) => [source ?? 'und', targets]));
  await ctx.cache.set(LANGUAGES_KEY, JSON.stringify(rendered), LANGUAGES_TTL_SECONDS);
  return rendered;
}

/** `:shortcode:` custom emoji are names, not words: kept from translation as Mastodon keeps them. */
const SHORTCODE = /:[a-zA-Z0-9_]{2,}:/g;
const KEPT = /<span translate="no">(:[a-zA-Z0-9_]{2,}:)<\/span>/g;

/** Marks what must come back as it went: emoji shortcodes in text, and mentions and hashtags (whose words are names). */
function protect(html: string): string {
  return html
    .split(/(<[^>]*>)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/^<a (?=[^>]*class="[^"]*\b(?:mention|hashtag)\b)/, '<a translate="no" ') : part.replace(SHORTCODE, '<span translate="no">$&</span>')))
    .join('');
}

const unprotect = (html: string) => html.replace(KEPT, '$1').replace(/<a translate="no" /g, '<a ');

/** The texts a status is translated by, named: its content (HTML), content warning, poll options and media descriptions (escaped text). */
async function sourceTexts(ctx: AppContext, status: { id: string; content: string; spoilerText: string }) {
  const [poll] = await ctx.db.select({ id: polls.id, options: polls.options }).from(polls).where(eq(polls.statusId, status.id)).limit(1);
  const media = await ctx.db
    .select({ id: mediaAttachments.id, description: mediaAttachments.description })
    .from(mediaAttachments)
    .where(eq(mediaAttachments.statusId, status.id))
    .orderBy(asc(mediaAttachments.id));
  const texts: { key: string; html: string }[] = [];
  if (status.content) texts.push({ key: 'content', html: protect(status.content) });
  if (status.spoilerText) texts.push({ key: 'spoiler_text', html: protect(escapeHtml(status.spoilerText)) });
  for (const [index, option] of (poll?.options ?? []).entries()) texts.push({ key: `poll:${index}`, html: protect(escapeHtml(option)) });
  for (const attachment of media) if (attachment.description) texts.push({ key: `media:${attachment.id}`, html: escapeHtml(attachment.description) });
  return { texts, pollId: poll?.id ?? null };
}

/**
 * A status translated into `target` (Mastodon's TranslateStatusService), for a viewer who may see
 * it: only public and unlisted statuses (403 for others), only into a language the service
 * translates the status's language into (403 otherwise), 404 without a service. The content keeps
 * its links, mentions and hashtags (sent as HTML, sanitized again on return); its content warning,
 * poll options and media descriptions are translated too. Kept for a day per text and language pair.
 */
export async function translateStatus(ctx: AppContext, viewerId: string, statusId: string, target: string): Promise<StatusTranslation> {
  const found = await findVisibleStatus(ctx, statusId, viewerId);
  if (!found) throw notFound();
  // a boost is translated as what it boosts
  const status = found.reblogOfId ? await findVisibleStatus(ctx, found.reblogOfId, viewerId) : found;
  if (!status) throw notFound();
  const translator = configured(ctx);
  if (status.visibility !== 'public' && status.visibility !== 'unlisted') throw notAllowed();
  const source = status.language ?? null;
  const languages = await translationLanguages(ctx);
  if (!languages[source ?? 'und']?.includes(target)) throw notAllowed();

  const { texts, pollId } = await sourceTexts(ctx, status);
  const key = `translations:v2:${source ?? 'und'}/${target}/${createHash('sha256').update(JSON.stringify(texts)).digest('base64url')}`;
  const cached = await ctx.cache.get(key);
  if (cached) return JSON.parse(cached) as StatusTranslation;

  const translations =
    texts.length > 0
      ? await asked(() =>
          translator.translate(
            texts.map((text) => text.html),
            source,
            target,
          ),
        )
      : [];
  const result: StatusTranslation = {
    content: '',
    spoilerText: '',
    poll: pollId ? { id: pollId, options: [] } : null,
    mediaAttachments: [],
    detectedSourceLanguage: translations[0]?.detectedSourceLanguage ?? source,
    language: target,
    provider: translations[0]?.provider ?? '',
  };
  texts.forEach(({ key: name }, index) => {
    const text = unprotect(translations[index]!.text);
    if (name === 'content') result.content = sanitizeRemoteHtml(text);
    else if (name === 'spoiler_text') result.spoilerText = htmlToPlainText(text);
    else if (name.startsWith('poll:')) result.poll!.options.push(htmlToPlainText(text));
    else result.mediaAttachments.push({ id: name.slice('media:'.length), description: htmlToPlainText(text) });
  });
  await ctx.cache.set(key, JSON.stringify(result), TRANSLATION_TTL_SECONDS);
  return result;
}

/** The language code a client asked for (`lang`), or the member's own: `pt-BR` → `pt`, as Mastodon reads a locale. */
export function targetLanguage(lang: string | undefined, locale: string | null): string {
  const chosen = lang?.trim() || locale || 'en';
  return chosen.split(/[-_]/)[0]!.toLowerCase();
}
