import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { DisplayName, SafeHtml } from '../sanitize.tsx';
import { useSession } from '../session.ts';
import type { Poll, Status } from '../types.ts';
import { Compose, type Redraft, redraft } from './compose.tsx';
import { EditHistory } from './edit-history.tsx';
import { ErrorMessage } from './error-message.tsx';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export interface StatusCallbacks {
  /** the status as the server now shows it (after a favourite, a boost, a vote…) */
  onChange?: (status: Status) => void;
  onDelete?: (id: string) => void;
}

/** Replaces a status (or the status a boost shows) in a list by its new version. */
export function replaceStatus(list: Status[], changed: Status): Status[] {
  return list.map((item) => (item.id === changed.id ? changed : item.reblog?.id === changed.id ? { ...item, reblog: changed } : item));
}

function PollView({ poll, onVoted, own }: { poll: Poll; onVoted: (poll: Poll) => void; own: boolean }) {
  const [choices, setChoices] = useState<number[]>([]);
  const [error, setError] = useState<unknown>(null);
  const showResults = poll.expired || poll.voted || own;
  const total = Math.max(poll.votes_count, 1);
  if (showResults) {
    return (
      <div class="poll">
        <ul>
          {poll.options.map((option, i) => {
            const share = Math.round(((option.votes_count ?? 0) * 100) / total);
            return (
              <li key={option.title}>
                <span class="poll-bar" style={{ inlineSize: `${share}%` }} aria-hidden="true" />
                <span>
                  {share}% {option.title}
                  {poll.own_votes?.includes(i) ? ' (your choice)' : ''}
                </span>
              </li>
            );
          })}
        </ul>
        <p class="muted">
          {poll.votes_count} {poll.votes_count === 1 ? 'vote' : 'votes'}
          {poll.expired ? ' · closed' : ''}
        </p>
      </div>
    );
  }
  const vote = async (event: Event) => {
    event.preventDefault();
    try {
      onVoted(await api<Poll>(`/api/v1/polls/${poll.id}/votes`, { method: 'POST', body: { choices: choices.map(String) } }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="poll" onSubmit={vote}>
      <fieldset>
        <legend>Poll{poll.multiple ? ' (choose any)' : ''}</legend>
        {poll.options.map((option, i) => (
          <label key={option.title}>
            <input
              type={poll.multiple ? 'checkbox' : 'radio'}
              name={`poll-${poll.id}`}
              checked={choices.includes(i)}
              onChange={(event) => {
                const checked = (event.target as HTMLInputElement).checked;
                setChoices(poll.multiple ? (checked ? [...choices, i] : choices.filter((c) => c !== i)) : [i]);
              }}
            />{' '}
            {option.title}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={choices.length === 0}>
        Vote
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

function Media({ status }: { status: Status }) {
  if (!status.media_attachments.length) return null;
  const items = (
    <ul class="media">
      {status.media_attachments.map((media) => {
        const src = media.url ?? media.remote_url ?? '';
        return (
          <li key={media.id}>
            {media.type === 'video' || media.type === 'gifv' ? (
              <video src={src} controls={media.type === 'video'} autoplay={false} loop={media.type === 'gifv'} muted={media.type === 'gifv'} aria-label={media.description ?? undefined} />
            ) : media.type === 'audio' ? (
              // biome-ignore lint/a11y/useMediaCaption: remote audio comes without captions
              <audio src={src} controls aria-label={media.description ?? undefined} />
            ) : (
              <a href={src} target="_blank" rel="noopener noreferrer">
                <img src={media.preview_url ?? src} alt={media.description ?? ''} loading="lazy" />
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
  if (!status.sensitive || status.spoiler_text) return items;
  return (
    <details class="sensitive">
      <summary>Sensitive media: show</summary>
      {items}
    </details>
  );
}

function replyLabel(status: Status): string {
  if (status.in_reply_to_account_id === status.account.id) return 'Continues a thread';
  const to = status.mentions.find((mention) => mention.id === status.in_reply_to_account_id);
  return to ? `In reply to @${to.acct}` : 'In reply to a post';
}

/** One status as a timeline, a thread or a notification shows it, with its actions. */
export function StatusCard({ status: shown, onChange, onDelete, focused = false }: StatusCallbacks & { status: Status; focused?: boolean }) {
  const { me } = useSession();
  const status = shown.reblog ?? shown;
  const [replying, setReplying] = useState(false);
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [showFiltered, setShowFiltered] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const own = status.account.id === me.id;
  const headingId = `status-${shown.id}-author`;

  const act = async (path: string) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await api<Status>(`/api/v1/statuses/${status.id}/${path}`, { method: 'POST' });
      onChange?.(changed.reblog && path === 'reblog' ? changed.reblog : changed);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!confirm('Delete this post?')) return;
    try {
      await api(`/api/v1/statuses/${status.id}`, { method: 'DELETE' });
      onDelete?.(status.id);
    } catch (caught) {
      setError(caught);
    }
  };
  const deleteAndRedraft = async () => {
    if (!confirm('Delete this post and write it again? Its boosts and favourites are lost, and replies to it are orphaned.')) return;
    try {
      const deleted = await api<Redraft>(`/api/v1/statuses/${status.id}`, { method: 'DELETE' });
      onDelete?.(status.id);
      redraft(deleted);
    } catch (caught) {
      setError(caught);
    }
  };
  const openHashtag = (event: MouseEvent) => {
    const link = (event.target as Element).closest('a.hashtag');
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    navigate(`/web/tags/${encodeURIComponent((link.textContent ?? '').replace(/^#/, ''))}`);
  };

  // filters the member set for this context: hidden, or behind a warning as Mastodon's web does
  const filters = status.filtered ?? [];
  if (filters.some((result) => result.filter.filter_action === 'hide')) return null;
  if (filters.length && !showFiltered) {
    return (
      <article class="status filtered" data-status-id={status.id} data-entry-id={shown.id} aria-label="Filtered post">
        <p class="muted">Filtered: {filters.map((result) => result.filter.title).join(', ')}</p>
        <button type="button" onClick={() => setShowFiltered(true)}>
          Show anyway
        </button>
      </article>
    );
  }

  const body = <SafeHtml class="content" html={status.content} emojis={status.emojis} />;
  return (
    <article class={focused ? 'status focused' : 'status'} aria-labelledby={headingId} data-status-id={status.id} data-entry-id={shown.id}>
      {shown.reblog && (
        <p class="boosted-by muted">
          <DisplayName name={shown.account.display_name || shown.account.username} emojis={shown.account.emojis} /> boosted
        </p>
      )}
      <header>
        <img class="avatar" src={status.account.avatar_static} alt="" width={46} height={46} />
        <div>
          <Link href={`/web/accounts/${status.account.id}`}>
            <strong id={headingId}>
              <DisplayName name={status.account.display_name || status.account.username} emojis={status.account.emojis} />
            </strong>{' '}
            <span class="muted">@{status.account.acct}</span>
          </Link>
          <br />
          <Link href={`/web/statuses/${status.id}`} class="muted">
            <time dateTime={status.created_at}>{dateFormat.format(new Date(status.created_at))}</time>
          </Link>
          {status.visibility !== 'public' && <span class="muted"> · {status.visibility}</span>}
          {status.edited_at && (
            <>
              {' · '}
              <button type="button" class="link-button" aria-expanded={showHistory} aria-controls={`history-${shown.id}`} onClick={() => setShowHistory(!showHistory)}>
                Edited
              </button>
            </>
          )}
        </div>
      </header>
      {status.in_reply_to_id && !focused && (
        <p class="in-reply-to muted">
          <Link href={`/web/statuses/${status.in_reply_to_id}`}>{replyLabel(status)}</Link>
        </p>
      )}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: delegates clicks on the hashtag links inside */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: links are keyboard-activated through their own click */}
      <div onClick={openHashtag}>
        {status.spoiler_text ? (
          <details class="spoiler">
            <summary>
              <span class="cw">{status.spoiler_text}</span> <span class="muted">(show more)</span>
            </summary>
            {body}
            <Media status={status} />
          </details>
        ) : (
          <>
            {body}
            <Media status={status} />
          </>
        )}
      </div>
      {showHistory && <EditHistory id={`history-${shown.id}`} statusId={status.id} />}
      {status.poll && <PollView poll={status.poll} own={own} onVoted={(poll) => onChange?.({ ...status, poll })} />}
      <div class="actions">
        <button type="button" onClick={() => setReplying(!replying)} aria-expanded={replying}>
          Reply <span class="count">{status.replies_count}</span>
        </button>
        <button
          type="button"
          aria-pressed={!!status.reblogged}
          disabled={busy || status.visibility === 'private' || status.visibility === 'direct'}
          onClick={() => act(status.reblogged ? 'unreblog' : 'reblog')}
        >
          Boost <span class="count">{status.reblogs_count}</span>
        </button>
        <button type="button" aria-pressed={!!status.favourited} disabled={busy} onClick={() => act(status.favourited ? 'unfavourite' : 'favourite')}>
          Favourite <span class="count">{status.favourites_count}</span>
        </button>
        <button type="button" aria-pressed={!!status.bookmarked} disabled={busy} onClick={() => act(status.bookmarked ? 'unbookmark' : 'bookmark')}>
          Bookmark
        </button>
        {own && (
          <>
            <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
              Edit
            </button>
            <button type="button" class="danger" onClick={deleteAndRedraft}>
              Delete &amp; redraft
            </button>
            <button type="button" class="danger" onClick={remove}>
              Delete
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      {editing && (
        <Compose
          editing={status}
          onPosted={(edited) => {
            setEditing(false);
            setShowHistory(false);
            onChange?.(edited);
          }}
        />
      )}
      {replying && (
        <Compose
          inReplyTo={status}
          onPosted={() => {
            setReplying(false);
            onChange?.({ ...status, replies_count: status.replies_count + 1 });
          }}
        />
      )}
    </article>
  );
}
