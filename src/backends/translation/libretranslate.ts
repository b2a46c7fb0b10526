import { callService, serviceAnswer, type Translation, TranslationUnavailable, type Translator } from './index.ts';

/**
 * LibreTranslate's API (Mastodon's TranslationService::LibreTranslate): `POST /translate` with the
 * texts as HTML (`format: html`, so markup is kept), `GET /languages`.
 */
export class LibreTranslateTranslator implements Translator {
  readonly #endpoint: string;
  readonly #apiKey: string | undefined;

  constructor(endpoint: string, apiKey: string | undefined) {
    this.#endpoint = endpoint;
    this.#apiKey = apiKey;
  }

  async translate(texts: string[], source: string | null, target: string): Promise<Translation[]> {
    const body = { q: texts, source: source ?? 'auto', target, format: 'html', api_key: this.#apiKey };
    const answer = (await serviceAnswer(await callService(`${this.#endpoint}/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))) as {
      translatedText?: unknown;
      detectedLanguage?: { language?: unknown }[];
    };
    const translated = answer?.translatedText;
    if (!Array.isArray(translated) || translated.length !== texts.length || translated.some((text) => typeof text !== 'string')) {
      throw new TranslationUnavailable('LibreTranslate answered without a translation for every text');
    }
    return translated.map((text: string, index) => {
      const detected = answer.detectedLanguage?.[index]?.language;
      return { text, detectedSourceLanguage: typeof detected === 'string' ? detected : source, provider: 'LibreTranslate' };
    });
  }

  async languages(): Promise<Map<string | null, string[]>> {
    const answer = await serviceAnswer(await callService(`${this.#endpoint}/languages`, { method: 'GET' }));
    if (!Array.isArray(answer)) throw new TranslationUnavailable('LibreTranslate answered its languages with something other than a list');
    const languages = new Map<string | null, string[]>();
    for (const entry of answer as { code?: unknown; targets?: unknown }[]) {
      if (typeof entry?.code !== 'string' || !Array.isArray(entry.targets)) continue;
      languages.set(
        entry.code,
        entry.targets.filter((target): target is string => typeof target === 'string' && target !== entry.code),
      );
    }
    // a detected source may go into any language some source goes into
    languages.set(null, [...new Set([...languages.values()].flat())].sort());
    return languages;
  }
}
