import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { StatusList } from '../components/status-list.tsx';
import { Link } from '../router.tsx';
import { ViewHeading } from './view-heading.tsx';

/** The member's bookmarks or favourites (paginated by the `Link` header, as any status list). */
export function SavedStatuses({ kind }: { kind: 'bookmarks' | 'favourites' }) {
  const title = kind === 'bookmarks' ? 'Bookmarks' : 'Favourites';
  return (
    <>
      <ViewHeading title={title} />
      <StatusList endpoint={`/api/v1/${kind}`} label={title} />
    </>
  );
}

interface List {
  id: string;
  title: string;
}

export function Lists() {
  const [lists, setLists] = useState<List[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<List[]>('/api/v1/lists').then(setLists, setError);
  }, []);
  return (
    <>
      <ViewHeading title="Lists" />
      <ErrorMessage error={error} />
      {lists && lists.length === 0 && <p class="muted">You have no lists yet.</p>}
      {lists && (
        <ul class="tag-list">
          {lists.map((list) => (
            <li key={list.id}>
              <Link href={`/web/lists/${list.id}`}>{list.title}</Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** One list's timeline, live from its `list` stream. */
export function ListTimeline({ id }: { id: string }) {
  const [list, setList] = useState<List | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<List>(`/api/v1/lists/${encodeURIComponent(id)}`).then(setList, setError);
  }, [id]);
  if (error) return <ErrorMessage error={error} />;
  if (!list) return <p class="muted">Loading…</p>;
  return (
    <>
      <ViewHeading title={list.title} />
      <StatusList endpoint={`/api/v1/timelines/list/${encodeURIComponent(id)}`} live={{ stream: 'list', list: id }} label={`List: ${list.title}`} />
    </>
  );
}
