import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSession } from '../session.ts';
import type { MediaAttachment, Status, Visibility } from '../types.ts';
import { ErrorMessage } from './error-message.tsx';

/**
 * Writing a post: text, content warning, visibility, a poll or up to four media with alt text, and a
 * counter from the instance's limits. The draft (the main composer's, in localStorage too) and its
 * idempotency key stay until the server took the post, so a failed post can be sent again as it was.
 */
interface Draft {
  text: string;
  spoiler: string;
  warn: boolean;
  visibility: Visibility;
  poll: { options: string[]; expiresIn: number; multiple: boolean } | null;
}

const DRAFT_KEY = 'subspace.draft';
const EMPTY: Draft = { text: '', spoiler: '', warn: false, visibility: 'public', poll: null };
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

interface Upload {
  media: MediaAttachment;
  description: string;
}

function loadDraft(): Draft {
  try {
    return { ...EMPTY, ...(JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') ?? {}) };
  } catch {
    return EMPTY;
  }
}

async function processed(media: MediaAttachment): Promise<MediaAttachment> {
  // POST /api/v2/media answers 202 while the server processes the file: ask until it is ready
  let current = media;
  for (let delay = 250; current.url === null; delay = Math.min(delay * 2, 4000)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    current = await api<MediaAttachment>(`/api/v1/media/${media.id}`);
  }
  return current;
}

export function Compose({ inReplyTo, onPosted }: { inReplyTo?: Status; onPosted?: (status: Status) => void }) {
  const { instance, me } = useSession();
  const limits = instance.configuration;
  const persistent = !inReplyTo;
  const mention = inReplyTo && inReplyTo.account.id !== me.id ? `@${inReplyTo.account.acct} ` : '';
  const [draft, setDraft] = useState<Draft>(() =>
    persistent ? loadDraft() : { ...EMPTY, text: mention, visibility: inReplyTo!.visibility, warn: !!inReplyTo!.spoiler_text, spoiler: inReplyTo!.spoiler_text },
  );
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [uploading, setUploading] = useState(0);
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const id = useId();

  useEffect(() => {
    if (persistent) localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }, [draft, persistent]);

  const update = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const counted = draft.text.replace(URL_PATTERN, 'x'.repeat(limits.statuses.characters_reserved_per_url)).length + (draft.warn ? draft.spoiler.length : 0);
  const left = limits.statuses.max_characters - counted;
  const pollValid = !draft.poll || draft.poll.options.filter((option) => option.trim()).length >= 2;
  const canPost = !sending && uploading === 0 && left >= 0 && (draft.text.trim() !== '' || uploads.length > 0) && pollValid;

  const attach = async (files: FileList | null) => {
    if (!files) return;
    setError(null);
    for (const file of [...files].slice(0, limits.statuses.max_media_attachments - uploads.length)) {
      setUploading((n) => n + 1);
      try {
        const body = new FormData();
        body.append('file', file);
        const media = await processed(await api<MediaAttachment>('/api/v2/media', { method: 'POST', body }));
        setUploads((list) => [...list, { media, description: '' }]);
      } catch (caught) {
        setError(caught);
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!canPost) return;
    setSending(true);
    setError(null);
    setNotice('');
    try {
      for (const upload of uploads) {
        if (upload.description !== (upload.media.description ?? '')) {
          upload.media = await api<MediaAttachment>(`/api/v1/media/${upload.media.id}`, { method: 'PUT', body: { description: upload.description } });
        }
      }
      const status = await api<Status>('/api/v1/statuses', {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey },
        body: {
          status: draft.text,
          visibility: draft.visibility,
          spoiler_text: draft.warn ? draft.spoiler : '',
          sensitive: draft.warn,
          in_reply_to_id: inReplyTo?.id,
          media_ids: uploads.length ? uploads.map((upload) => upload.media.id) : undefined,
          poll: draft.poll ? { options: draft.poll.options.filter((option) => option.trim()), expires_in: draft.poll.expiresIn, multiple: draft.poll.multiple } : undefined,
        },
      });
      setDraft(persistent ? { ...EMPTY, visibility: draft.visibility } : { ...EMPTY, visibility: draft.visibility, text: mention });
      setUploads([]);
      setIdempotencyKey(crypto.randomUUID());
      setNotice('Posted.');
      onPosted?.(status);
    } catch (caught) {
      setError(caught instanceof Error ? new Error(`Your post was not sent (${caught.message}). It is kept here: try again.`) : caught);
    } finally {
      setSending(false);
    }
  };

  const setOption = (index: number, value: string) => {
    const options = [...draft.poll!.options];
    options[index] = value;
    update({ poll: { ...draft.poll!, options } });
  };

  return (
    <form class="compose" onSubmit={submit} aria-label={inReplyTo ? 'Reply' : 'New post'}>
      {draft.warn && (
        <>
          <label for={`${id}-spoiler`}>Content warning</label>
          <input id={`${id}-spoiler`} type="text" value={draft.spoiler} onInput={(event) => update({ spoiler: (event.target as HTMLInputElement).value })} />
        </>
      )}
      <label for={`${id}-text`}>{inReplyTo ? `Reply to @${inReplyTo.account.acct}` : "What's on your mind?"}</label>
      <textarea id={`${id}-text`} rows={inReplyTo ? 3 : 5} value={draft.text} aria-describedby={`${id}-count`} onInput={(event) => update({ text: (event.target as HTMLTextAreaElement).value })} />
      <p id={`${id}-count`} class={left < 0 ? 'counter over' : 'counter'}>
        {left} characters left
      </p>

      {uploads.length > 0 && (
        <ul class="uploads">
          {uploads.map((upload, i) => (
            <li key={upload.media.id}>
              <img src={upload.media.preview_url ?? ''} alt="" />
              <label for={`${id}-alt-${i}`}>Alt text for attachment {i + 1}</label>
              <input
                id={`${id}-alt-${i}`}
                type="text"
                value={upload.description}
                onInput={(event) => setUploads(uploads.map((u, j) => (j === i ? { ...u, description: (event.target as HTMLInputElement).value } : u)))}
              />
              <button type="button" onClick={() => setUploads(uploads.filter((_, j) => j !== i))}>
                Remove attachment {i + 1}
              </button>
            </li>
          ))}
        </ul>
      )}
      {uploading > 0 && <p role="status">Uploading…</p>}

      {draft.poll && (
        <fieldset class="poll-editor">
          <legend>Poll</legend>
          {draft.poll.options.map((option, i) => (
            <div key={i}>
              <label for={`${id}-option-${i}`}>Choice {i + 1}</label>
              <input
                id={`${id}-option-${i}`}
                type="text"
                maxLength={limits.polls.max_characters_per_option}
                value={option}
                onInput={(event) => setOption(i, (event.target as HTMLInputElement).value)}
              />
            </div>
          ))}
          {draft.poll.options.length < limits.polls.max_options && (
            <button type="button" onClick={() => update({ poll: { ...draft.poll!, options: [...draft.poll!.options, ''] } })}>
              Add a choice
            </button>
          )}
          <label for={`${id}-expires`}>Poll length</label>
          <select id={`${id}-expires`} value={draft.poll.expiresIn} onChange={(event) => update({ poll: { ...draft.poll!, expiresIn: Number((event.target as HTMLSelectElement).value) } })}>
            <option value={300}>5 minutes</option>
            <option value={3600}>1 hour</option>
            <option value={86400}>1 day</option>
            <option value={604800}>7 days</option>
          </select>
          <label>
            <input type="checkbox" checked={draft.poll.multiple} onChange={(event) => update({ poll: { ...draft.poll!, multiple: (event.target as HTMLInputElement).checked } })} /> Allow several
            choices
          </label>
        </fieldset>
      )}

      <div class="compose-tools">
        <label class="button" for={`${id}-media`}>
          Add media
        </label>
        <input
          id={`${id}-media`}
          class="visually-hidden"
          type="file"
          accept="image/*,video/*,audio/*"
          multiple
          disabled={!!draft.poll || uploads.length >= limits.statuses.max_media_attachments}
          onChange={(event) => {
            const input = event.target as HTMLInputElement;
            void attach(input.files).then(() => (input.value = ''));
          }}
        />
        <button type="button" aria-pressed={!!draft.poll} disabled={uploads.length > 0} onClick={() => update({ poll: draft.poll ? null : { options: ['', ''], expiresIn: 86400, multiple: false } })}>
          Poll
        </button>
        <button type="button" aria-pressed={draft.warn} onClick={() => update({ warn: !draft.warn })}>
          Content warning
        </button>
        <label for={`${id}-visibility`} class="visually-hidden">
          Visibility
        </label>
        <select id={`${id}-visibility`} value={draft.visibility} onChange={(event) => update({ visibility: (event.target as HTMLSelectElement).value as Visibility })}>
          <option value="public">Public</option>
          <option value="unlisted">Unlisted</option>
          <option value="private">Followers only</option>
          <option value="direct">Mentioned people only</option>
        </select>
        <button type="submit" class="primary" disabled={!canPost}>
          {sending ? 'Posting…' : inReplyTo ? 'Reply' : 'Post'}
        </button>
      </div>
      <ErrorMessage error={error} />
      {notice && (
        <p role="status" class="muted">
          {notice}
        </p>
      )}
    </form>
  );
}
