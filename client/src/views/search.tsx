import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { AccountRow } from '../components/account-row.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { replaceStatus, StatusCard } from '../components/status.tsx';
import { Link, navigate } from '../router.tsx';
import type { Account, Status, Tag } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

interface Results {
  accounts: Account[];
  statuses: Status[];
  hashtags: Tag[];
}

/** Accounts, hashtags and posts (/api/v2/search; `@user@domain` and URLs are looked up on their server). */
export function Search({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setText(q);
    setResults(null);
    if (!q.trim()) return;
    setLoading(true);
    api<Results>(`/api/v2/search${query({ q, resolve: true, limit: 20 })}`)
      .then(setResults, setError)
      .finally(() => setLoading(false));
  }, [q]);

  return (
    <>
      <ViewHeading title="Search" />
      <search>
        <form
          class="search-form"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(`/web/search${query({ q: text })}`);
          }}
        >
          <label for="search-query">Search for people, hashtags or posts</label>
          <input id="search-query" type="search" value={text} onInput={(event) => setText((event.target as HTMLInputElement).value)} />
          <button type="submit">Search</button>
        </form>
      </search>
      <ErrorMessage error={error} />
      {loading && <p class="muted">Searching…</p>}
      {results && (
        <div class="search-results" aria-live="polite">
          <h2>People</h2>
          {results.accounts.length ? (
            <ul class="account-list">
              {results.accounts.map((account) => (
                <AccountRow key={account.id} account={account} />
              ))}
            </ul>
          ) : (
            <p class="muted">No one found.</p>
          )}
          <h2>Hashtags</h2>
          {results.hashtags.length ? (
            <ul class="tag-list">
              {results.hashtags.map((tag) => (
                <li key={tag.name}>
                  <Link href={`/web/tags/${encodeURIComponent(tag.name)}`}>#{tag.name}</Link>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No hashtags found.</p>
          )}
          <h2>Posts</h2>
          {results.statuses.length ? (
            results.statuses.map((status) => (
              <StatusCard
                key={status.id}
                status={status}
                onChange={(changed) => setResults({ ...results, statuses: replaceStatus(results.statuses, changed) })}
                onDelete={(id) => setResults({ ...results, statuses: results.statuses.filter((s) => s.id !== id) })}
              />
            ))
          ) : (
            <p class="muted">No posts found.</p>
          )}
        </div>
      )}
    </>
  );
}
