import { useState } from 'preact/hooks';
import { api } from '../api.ts';

interface Language {
  code: string;
  name: string;
}

let languages: Promise<Language[]> | undefined;

function nameOf(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The languages the instance knows (GET /api/v1/instance/languages), asked for once, when the member first opens the list. */
function loadLanguages(): Promise<Language[]> {
  languages ??= api<Language[]>('/api/v1/instance/languages').catch(() => {
    languages = undefined;
    return [];
  });
  return languages;
}

export function LanguageSelect({ id, value, onChange, label = 'Language' }: { id: string; value: string; onChange: (code: string) => void; label?: string }) {
  const [known, setKnown] = useState<Language[]>([]);
  const load = () => void loadLanguages().then(setKnown);
  // until the instance's list is loaded, the chosen language named by the browser
  const options = known.length ? known : [{ code: value, name: nameOf(value) }];
  return (
    <>
      <label for={id} class={label === 'Language' ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <select id={id} value={value} onFocus={load} onMouseDown={load} onChange={(event) => onChange((event.target as HTMLSelectElement).value)}>
        {!options.some((option) => option.code === value) && <option value={value}>{nameOf(value)}</option>}
        {options.map((option) => (
          <option key={option.code} value={option.code}>
            {option.name}
          </option>
        ))}
      </select>
    </>
  );
}
