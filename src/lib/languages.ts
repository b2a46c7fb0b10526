/** ISO 639-1 language codes: what a member may pick as their default posting language. */
const ISO_639_1 = (
  'aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy ' +
  'da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ' +
  'ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv ' +
  'mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu ' +
  'rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ' +
  'ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
).split(' ');

export const LANGUAGE_CODES: ReadonlySet<string> = new Set(ISO_639_1);

export function isLanguageCode(value: string): boolean {
  return LANGUAGE_CODES.has(value);
}

const englishNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** `/api/v1/instance/languages`: the languages a post may be in, with their English names (Mastodon's Language entity). */
export function supportedLanguages(): { code: string; name: string }[] {
  return ISO_639_1.map((code) => ({ code, name: englishNames.of(code) ?? code }));
}

/** A language's English name (its code when unknown), as Mastodon's dimensions show it. */
export function languageName(code: string): string {
  try {
    return englishNames.of(code) ?? code;
  } catch {
    return code;
  }
}
