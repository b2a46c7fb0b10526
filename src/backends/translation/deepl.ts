import { callService, serviceAnswer, type Translation, TranslationUnavailable, type Translator } from './index.ts';

/** DeepL's codes (`EN-GB`, `PT-BR`, `ZH-HANS`) as Mastodon keeps them: the language, lower-case. */
const normalized = (code: string) => code.split('-')[0]!.toLowerCase();

/**
 * DeepL's API v2 (Mastodon's TranslationService::DeepL): `POST /v2/translate` with the texts as
 * HTML (`tag_handling: html`, so markup is kept), `GET /v2/languages?type=source|target`.
 */
export class DeeplTranslator implements Translator {
  readonly #baseUrl: string;
  readonly #apiKey: string;

  constructor(baseUrl: string, apiKey: string) {
    this.#baseUrl = baseUrl;
    this.#apiKey = apiKey;
  }

  #request(path: string, init: RequestInit = {}) {
    return callService(`${this.#baseUrl}${path}`, { ...init, headers: { authorization: `DeepL-Auth-Key ${this.#apiKey}`, ...init.headers } }).then(serviceAnswer);
  }

  async translate(texts: string[], source: string | null, target: string): Promise<Translation[]> {
    const body = { text: texts, source_lang: source?.toUpperCase() ?? undefined, target_lang: target.toUpperCase(), tag_handling: 'html' };
    const answer = (await this.#request('/v2/translate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })) as {
      translations?: { text?: unknown; detected_source_language?: unknown }[];
    };
    const translations = answer?.translations;
    if (!Array.isArray(translations) || translations.length !== texts.length || translations.some((entry) => typeof entry?.text !== 'string')) {
      throw new TranslationUnavailable('DeepL answered without a translation for every text');
    }
    return translations.map((entry) => ({
      text: entry.text as string,
      detectedSourceLanguage: typeof entry.detected_source_language === 'string' ? normalized(entry.detected_source_language) : source,
      provider: 'DeepL.com',
    }));
  }

  async #languageCodes(type: 'source' | 'target'): Promise<string[]> {
    const answer = await this.#request(`/v2/languages?type=${type}`);
    if (!Array.isArray(answer)) throw new TranslationUnavailable('DeepL answered its languages with something other than a list');
    return [...new Set(answer.flatMap((entry: { language?: unknown }) => (typeof entry?.language === 'string' ? [normalized(entry.language)] : [])))];
  }

  async languages(): Promise<Map<string | null, string[]>> {
    const [sources, targets] = await Promise.all([this.#languageCodes('source'), this.#languageCodes('target')]);
    // any source (or a detected one) into every target but itself
    return new Map([null, ...sources].map((source) => [source, targets.filter((target) => target !== source)]));
  }
}
