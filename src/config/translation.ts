import { ConfigError } from './errors.ts';
import { str, url, type Env } from './values.ts';

/** The translation service, as Mastodon configures one (DeepL first when both are set). */
export type TranslationConfig =
  | {
      kind: 'deepl';
      apiKey: string;
      /** `api-free.deepl.com` for the free plan, `api.deepl.com` for pro; `SUBSPACE_DEEPL_BASE_URL` points elsewhere (tests) */
      baseUrl: string;
    }
  | { kind: 'libretranslate'; endpoint: string; apiKey?: string };

/** `DEEPL_API_KEY` and `DEEPL_PLAN` (free or pro), or `LIBRE_TRANSLATE_ENDPOINT` and `LIBRE_TRANSLATE_API_KEY`; none: no translation. */
export function translationFromEnv(env: Env): TranslationConfig | undefined {
  const deeplKey = str(env, 'DEEPL_API_KEY');
  if (deeplKey) {
    const plan = (str(env, 'DEEPL_PLAN') ?? 'free').toLowerCase();
    if (plan !== 'free' && plan !== 'pro') throw new ConfigError('DEEPL_PLAN', `must be free or pro, got "${plan}"`);
    const override = url(env, 'SUBSPACE_DEEPL_BASE_URL', ['http:', 'https:']);
    const baseUrl = override ?? (plan === 'free' ? 'https://api-free.deepl.com' : 'https://api.deepl.com');
    return { kind: 'deepl', apiKey: deeplKey, baseUrl: baseUrl.replace(/\/+$/, '') };
  }
  const endpoint = url(env, 'LIBRE_TRANSLATE_ENDPOINT', ['http:', 'https:']);
  if (endpoint) return { kind: 'libretranslate', endpoint: endpoint.replace(/\/+$/, ''), apiKey: str(env, 'LIBRE_TRANSLATE_API_KEY') };
  return undefined;
}
