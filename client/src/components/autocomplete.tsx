import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import type { Account, Emoji, Tag } from '../types.ts';

/**
 * Suggestions for the word being typed in a post: `@name` (accounts, without resolving remote
 * ones), `#tag` (hashtags) and `:code` (the instance's custom emoji). The textarea stays the focus;
 * the arrows choose, Enter or Tab takes a suggestion, Escape closes the list.
 */
export interface Suggestion {
  /** what replaces the typed word (followed by a space) */
  replacement: string;
  label: string;
  image?: string;
}

const TOKEN = /(?:^|[\s(])([@#:][\p{L}\p{N}_@.-]+)$/u;
let emojiCache: Promise<Emoji[]> | undefined;

async function suggestionsFor(token: string): Promise<Suggestion[]> {
  const text = token.slice(1);
  if (token.startsWith('@')) {
    const { accounts } = await api<{ accounts: Account[] }>(`/api/v2/search${query({ q: text, type: 'accounts', resolve: false, limit: 5 })}`);
    return accounts.map((account) => ({ replacement: `@${account.acct}`, label: `${account.display_name || account.username} @${account.acct}`, image: account.avatar_static }));
  }
  if (token.startsWith('#')) {
    const { hashtags } = await api<{ hashtags: Tag[] }>(`/api/v2/search${query({ q: text, type: 'hashtags', limit: 5 })}`);
    return hashtags.map((tag) => ({ replacement: `#${tag.name}`, label: `#${tag.name}` }));
  }
  if (text.length < 2) return [];
  emojiCache ??= api<Emoji[]>('/api/v1/custom_emojis').catch(() => {
    emojiCache = undefined;
    return [];
  });
  const lower = text.toLowerCase();
  return (await emojiCache)
    .filter((emoji) => emoji.shortcode.toLowerCase().startsWith(lower))
    .slice(0, 5)
    .map((emoji) => ({ replacement: `:${emoji.shortcode}:`, label: `:${emoji.shortcode}:`, image: emoji.static_url }));
}

/** The word before the caret, if it is one suggestions are looked for. */
export function tokenBefore(text: string, caret: number): { token: string; start: number } | null {
  const match = TOKEN.exec(text.slice(0, caret));
  if (!match) return null;
  return { token: match[1]!, start: caret - match[1]!.length };
}

export function useAutocomplete(id: string, text: string, setText: (text: string, caret: number) => void) {
  const [caret, setCaret] = useState(0);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const asked = useRef(0);
  const found = tokenBefore(text, caret);
  const token = found && found.token !== dismissed ? found.token : null;

  useEffect(() => {
    const mine = ++asked.current;
    if (!token) return setSuggestions([]);
    const timer = setTimeout(() => {
      suggestionsFor(token).then(
        (list) => {
          if (mine !== asked.current) return;
          setSuggestions(list);
          setActive(0);
        },
        () => mine === asked.current && setSuggestions([]),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [token]);

  const open = suggestions.length > 0 && !!token;
  const take = (suggestion: Suggestion) => {
    if (!found) return;
    const before = `${text.slice(0, found.start)}${suggestion.replacement} `;
    setText(before + text.slice(caret), before.length);
    setCaret(before.length);
    setSuggestions([]);
  };
  const listId = `${id}-suggestions`;
  return {
    /** spread on the textarea */
    inputProps: {
      'aria-autocomplete': 'list' as const,
      'aria-controls': listId,
      'aria-activedescendant': open ? `${listId}-${active}` : undefined,
      onKeyUp: (event: Event) => setCaret((event.target as HTMLTextAreaElement).selectionStart),
      onClick: (event: Event) => setCaret((event.target as HTMLTextAreaElement).selectionStart),
      onKeyDown: (event: KeyboardEvent) => {
        if (!open) return;
        if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          setActive((active + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        } else if (event.key === 'Enter' || event.key === 'Tab') {
          event.preventDefault();
          take(suggestions[active]!);
        } else if (event.key === 'Escape') {
          event.preventDefault();
          setDismissed(token);
        }
      },
    },
    /** the caret moved with typing */
    typed: (caretAt: number) => {
      setCaret(caretAt);
      setDismissed(null);
    },
    list: (
      <div id={listId} role="listbox" aria-label="Suggestions" class="suggestions" hidden={!open}>
        {open &&
          suggestions.map((suggestion, i) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard chooses from the textarea (arrows, Enter, Tab)
            // biome-ignore lint/a11y/useFocusableInteractive: the focus stays in the textarea, which points here with aria-activedescendant
            <div key={suggestion.replacement} id={`${listId}-${i}`} role="option" aria-selected={i === active} onMouseDown={(event) => event.preventDefault()} onClick={() => take(suggestion)}>
              {suggestion.image && <img src={suggestion.image} alt="" width={20} height={20} />} {suggestion.label}
            </div>
          ))}
      </div>
    ),
  };
}
