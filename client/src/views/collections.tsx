import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { AccountRow } from '../components/account-row.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { StatusList } from '../components/status-list.tsx';
import { Link } from '../router.tsx';
import type { Account, List, Tag } from '../types.ts';
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

function ListItem({ list, onChange, onDelete }: { list: List; onChange: (list: List) => void; onDelete: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(list.title);
  const [error, setError] = useState<unknown>(null);
  const rename = async (event: Event) => {
    event.preventDefault();
    try {
      onChange(await api<List>(`/api/v1/lists/${list.id}`, { method: 'PUT', body: { title } }));
      setRenaming(false);
    } catch (caught) {
      setError(caught);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the list "${list.title}"?`)) return;
    try {
      await api(`/api/v1/lists/${list.id}`, { method: 'DELETE' });
      onDelete();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <li>
      {renaming ? (
        <form class="inline-form" onSubmit={rename}>
          <label for={`list-${list.id}-title`}>New title for {list.title}</label>
          <input id={`list-${list.id}-title`} type="text" required value={title} onInput={(event) => setTitle((event.target as HTMLInputElement).value)} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <Link href={`/web/lists/${list.id}`}>{list.title}</Link>
          <span class="row-actions">
            <button type="button" aria-label={`Rename ${list.title}`} onClick={() => setRenaming(true)}>
              Rename
            </button>
            <button type="button" class="danger" aria-label={`Delete ${list.title}`} onClick={remove}>
              Delete
            </button>
          </span>
        </>
      )}
      <ErrorMessage error={error} />
    </li>
  );
}

/** The member's lists: made, renamed and deleted here. */
export function Lists() {
  const [lists, setLists] = useState<List[] | null>(null);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<List[]>('/api/v1/lists').then(setLists, setError);
  }, []);
  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const list = await api<List>('/api/v1/lists', { method: 'POST', body: { title } });
      setLists([...(lists ?? []), list]);
      setTitle('');
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <ViewHeading title="Lists" />
      <form class="search-form" onSubmit={create}>
        <label for="new-list-title">New list title</label>
        <input id="new-list-title" type="text" required value={title} onInput={(event) => setTitle((event.target as HTMLInputElement).value)} />
        <button type="submit">Create list</button>
      </form>
      <ErrorMessage error={error} />
      {lists && lists.length === 0 && <p class="muted">You have no lists yet.</p>}
      {lists && (
        <ul class="tag-list managed-list">
          {lists.map((list) => (
            <ListItem
              key={list.id}
              list={list}
              onChange={(changed) => setLists(lists.map((l) => (l.id === changed.id ? changed : l)))}
              onDelete={() => setLists(lists.filter((l) => l.id !== list.id))}
            />
          ))}
        </ul>
      )}
    </>
  );
}

/** Who is on a list: removed here, and added from the people the member follows. */
function ListMembers({ id }: { id: string }) {
  const [members, setMembers] = useState<Account[]>([]);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Account[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Account[]>(`/api/v1/lists/${encodeURIComponent(id)}/accounts?limit=0`).then(setMembers, setError);
  }, [id]);
  const search = async (event: Event) => {
    event.preventDefault();
    try {
      setFound(await api<Account[]>(`/api/v1/accounts/search${query({ q, following: true, resolve: false, limit: 10 })}`));
    } catch (caught) {
      setError(caught);
    }
  };
  const change = async (account: Account, add: boolean) => {
    try {
      await api(`/api/v1/lists/${encodeURIComponent(id)}/accounts`, { method: add ? 'POST' : 'DELETE', body: { account_ids: [account.id] } });
      setMembers(add ? [...members, account] : members.filter((a) => a.id !== account.id));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <details class="list-members">
      <summary>Members ({members.length})</summary>
      <ul class="account-list">
        {members.map((account) => (
          <AccountRow key={account.id} account={account}>
            <button type="button" aria-label={`Remove @${account.acct} from the list`} onClick={() => change(account, false)}>
              Remove
            </button>
          </AccountRow>
        ))}
      </ul>
      <form class="search-form" onSubmit={search}>
        <label for={`list-${id}-search`}>Add people you follow</label>
        <input id={`list-${id}-search`} type="search" value={q} onInput={(event) => setQ((event.target as HTMLInputElement).value)} />
        <button type="submit">Find</button>
      </form>
      {found && (
        <ul class="account-list" aria-label="People found">
          {found.length === 0 && <li class="muted">No one you follow has that name.</li>}
          {found
            .filter((account) => !members.some((member) => member.id === account.id))
            .map((account) => (
              <AccountRow key={account.id} account={account}>
                <button type="button" aria-label={`Add @${account.acct} to the list`} onClick={() => change(account, true)}>
                  Add
                </button>
              </AccountRow>
            ))}
        </ul>
      )}
      <ErrorMessage error={error} />
    </details>
  );
}

/** One list's timeline, live from its `list` stream, with its members. */
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
      <ListMembers id={id} />
      <StatusList endpoint={`/api/v1/timelines/list/${encodeURIComponent(id)}`} live={{ stream: 'list', list: id }} label={`List: ${list.title}`} />
    </>
  );
}

/** The hashtags the member follows (`GET /api/v1/followed_tags`), each one a link to its timeline and unfollowed here. */
export function FollowedHashtags() {
  const [tags, setTags] = useState<Tag[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Tag[]>(`/api/v1/followed_tags${query({ limit: 200 })}`).then(setTags, setError);
  }, []);
  const unfollow = async (name: string) => {
    try {
      await api<Tag>(`/api/v1/tags/${encodeURIComponent(name)}/unfollow`, { method: 'POST' });
      setTags((current) => current?.filter((tag) => tag.name !== name) ?? null);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <ViewHeading title="Followed hashtags" />
      <ErrorMessage error={error} />
      {tags && tags.length === 0 ? <p class="muted">You follow no hashtag yet.</p> : null}
      <ul class="tag-list managed-list" aria-label="Followed hashtags">
        {tags?.map((tag) => (
          <li key={tag.name}>
            <Link href={`/web/tags/${encodeURIComponent(tag.name)}`}>#{tag.name}</Link>
            <span class="row-actions">
              <button type="button" aria-label={`Unfollow #${tag.name}`} onClick={() => unfollow(tag.name)}>
                Unfollow
              </button>
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
