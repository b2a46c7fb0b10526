import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import type { Filter, FilterContext } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

const CONTEXTS: [FilterContext, string][] = [
  ['home', 'Home and lists'],
  ['notifications', 'Notifications'],
  ['public', 'Public timelines'],
  ['thread', 'Conversations'],
  ['account', 'Profiles'],
];
const EXPIRIES: [string, string][] = [
  ['', 'Never'],
  ['1800', '30 minutes'],
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '1 week'],
];

const keywordsOf = (text: string) => [
  ...new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  ),
];

/** Creating or changing one filter (v2): its keywords (one a line), where it applies, and what it does. */
function FilterForm({ filter, onSaved, onCancel }: { filter?: Filter; onSaved: (filter: Filter) => void; onCancel?: () => void }) {
  const prefix = `filter-${filter?.id ?? 'new'}`;
  const [title, setTitle] = useState(filter?.title ?? '');
  const [keywords, setKeywords] = useState(filter?.keywords.map((k) => k.keyword).join('\n') ?? '');
  const [contexts, setContexts] = useState<FilterContext[]>(filter?.context ?? ['home', 'public', 'thread']);
  const [action, setAction] = useState<Filter['filter_action']>(filter?.filter_action ?? 'warn');
  const [expiresIn, setExpiresIn] = useState('');
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const wanted = keywordsOf(keywords);
    const existing = filter?.keywords ?? [];
    const keywordsAttributes = [
      ...existing.filter((k) => !wanted.includes(k.keyword)).map((k) => ({ id: k.id, _destroy: true })),
      ...wanted.filter((word) => !existing.some((k) => k.keyword === word)).map((keyword) => ({ keyword, whole_word: true })),
    ];
    try {
      const body = { title, context: contexts, filter_action: action, keywords_attributes: keywordsAttributes, ...(expiresIn || !filter ? { expires_in: expiresIn || '' } : {}) };
      onSaved(await api<Filter>(filter ? `/api/v2/filters/${filter.id}` : '/api/v2/filters', { method: filter ? 'PUT' : 'POST', body }));
      if (!filter) {
        setTitle('');
        setKeywords('');
      }
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="settings" onSubmit={submit} aria-label={filter ? `Edit filter ${filter.title}` : 'New filter'}>
      <label for={`${prefix}-title`}>Title</label>
      <input id={`${prefix}-title`} type="text" required value={title} onInput={(event) => setTitle((event.target as HTMLInputElement).value)} />
      <label for={`${prefix}-keywords`}>Keywords (one a line)</label>
      <textarea id={`${prefix}-keywords`} rows={3} value={keywords} onInput={(event) => setKeywords((event.target as HTMLTextAreaElement).value)} />
      <fieldset>
        <legend>Filter in</legend>
        {CONTEXTS.map(([context, label]) => (
          <label key={context}>
            <input
              type="checkbox"
              checked={contexts.includes(context)}
              onChange={(event) => setContexts((event.target as HTMLInputElement).checked ? [...contexts, context] : contexts.filter((c) => c !== context))}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Filtered posts are</legend>
        <label>
          <input type="radio" name={`${prefix}-action`} checked={action === 'warn'} onChange={() => setAction('warn')} /> shown behind a warning
        </label>
        <label>
          <input type="radio" name={`${prefix}-action`} checked={action === 'hide'} onChange={() => setAction('hide')} /> hidden completely
        </label>
      </fieldset>
      <label for={`${prefix}-expires`}>{filter ? 'Expires (leave as is, or from now)' : 'Expires after'}</label>
      <select id={`${prefix}-expires`} value={expiresIn} onChange={(event) => setExpiresIn((event.target as HTMLSelectElement).value)}>
        {EXPIRIES.map(([value, label]) => (
          <option key={value} value={value}>
            {filter && value === '' ? 'As is' : label}
          </option>
        ))}
      </select>
      <button type="submit" class="primary" disabled={contexts.length === 0}>
        {filter ? 'Save filter' : 'Add filter'}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
      <ErrorMessage error={error} />
    </form>
  );
}

/** The member's filters (/api/v2/filters): listed, added, changed and deleted. */
export function Filters() {
  const [filters, setFilters] = useState<Filter[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Filter[]>('/api/v2/filters').then(setFilters, setError);
  }, []);
  const remove = async (filter: Filter) => {
    if (!confirm(`Delete the filter "${filter.title}"?`)) return;
    try {
      await api(`/api/v2/filters/${filter.id}`, { method: 'DELETE' });
      setFilters((filters ?? []).filter((f) => f.id !== filter.id));
    } catch (caught) {
      setError(caught);
    }
  };
  const contextNames = (filter: Filter) => CONTEXTS.filter(([c]) => filter.context.includes(c)).map(([, label]) => label);
  return (
    <>
      <ViewHeading title="Filters" />
      <ErrorMessage error={error} />
      <section aria-label="Your filters" aria-busy={!filters && !error}>
        {filters?.length === 0 && <p class="muted">You have no filters.</p>}
        {filters?.map((filter) =>
          editing === filter.id ? (
            <FilterForm
              key={filter.id}
              filter={filter}
              onSaved={(saved) => {
                setFilters(filters.map((f) => (f.id === saved.id ? saved : f)));
                setEditing(null);
              }}
              onCancel={() => setEditing(null)}
            />
          ) : (
            <article key={filter.id} class="filter-card" aria-label={`Filter ${filter.title}`}>
              <h2>{filter.title}</h2>
              <p>
                {filter.keywords.map((k) => k.keyword).join(', ') || <span class="muted">No keywords</span>}
                <br />
                <span class="muted">
                  {filter.filter_action === 'hide' ? 'Hidden' : 'Behind a warning'} in {contextNames(filter).join(', ')}
                  {filter.expires_at ? ` · until ${new Date(filter.expires_at).toLocaleString()}` : ''}
                </span>
              </p>
              <button type="button" aria-label={`Edit ${filter.title}`} onClick={() => setEditing(filter.id)}>
                Edit
              </button>{' '}
              <button type="button" class="danger" aria-label={`Delete ${filter.title}`} onClick={() => remove(filter)}>
                Delete
              </button>
            </article>
          ),
        )}
      </section>
      <h2>New filter</h2>
      <FilterForm onSaved={(filter) => setFilters([...(filters ?? []), filter])} />
    </>
  );
}
