import type { TranslationConfig } from '../../config/index.ts';
import { DeeplTranslator } from './deepl.ts';
import { LibreTranslateTranslator } from './libretranslate.ts';

/** One translated text, with the language the service found it in and the service's name. */
export interface Translation {
  text: string;
  detectedSourceLanguage: string | null;
  provider: string;
}

/**
 * A translation service (Mastodon's TranslationService): texts are HTML, and come back as HTML
 * with their markup — links, mentions, paragraphs — kept where it was.
 */
export interface Translator {
  /** `texts` translated into `target`, in order; `source` null lets the service detect it */
  translate(texts: string[], source: string | null, target: string): Promise<Translation[]>;
  /** the languages it translates: source language (`null` for detected) → target languages */
  languages(): Promise<Map<string | null, string[]>>;
}

/** The service did not answer as it should (Mastodon's UnexpectedResponseError): answered 503. */
export class TranslationUnavailable extends Error {}
/** The service refused for now: too many requests (429), or the plan's quota is used up (DeepL's 456). */
export class TranslationRefused extends Error {
  readonly reason: 'too_many_requests' | 'quota_exceeded';
  constructor(reason: 'too_many_requests' | 'quota_exceeded') {
    super(reason === 'quota_exceeded' ? 'The translation service quota has been exceeded' : 'There have been too many requests to the translation service');
    this.reason = reason;
  }
}

/** How long one call to a translation service may take. */
export const TRANSLATION_TIMEOUT_MS = 10_000;

/** The configured service's driver; undefined when none is configured. */
export function openTranslator(config: TranslationConfig | undefined): Translator | undefined {
  if (!config) return undefined;
  return config.kind === 'deepl' ? new DeeplTranslator(config.baseUrl, config.apiKey) : new LibreTranslateTranslator(config.endpoint, config.apiKey);
}

/** The service's answer as JSON, or the error Mastodon's drivers raise for it. */
export async function serviceAnswer(response: Response): Promise<unknown> {
  if (response.status === 429) throw new TranslationRefused('too_many_requests');
  if (response.status === 456) throw new TranslationRefused('quota_exceeded');
  if (response.status < 200 || response.status >= 300) throw new TranslationUnavailable(`the translation service answered ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new TranslationUnavailable('the translation service answered something that is not JSON');
  }
}

/** fetch() with the translation timeout; a failure to connect is the service being unavailable. */
export async function callService(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TRANSLATION_TIMEOUT_MS) });
  } catch (error) {
    throw new TranslationUnavailable(`the translation service could not be reached: ${(error as Error).message}`);
  }
}
