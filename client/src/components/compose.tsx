import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSession } from '../session.ts';
import type { Account, MediaAttachment, Status, Visibility } from '../types.ts';
import { useAutocomplete } from './autocomplete.tsx';
import { ErrorMessage } from './error-message.tsx';
import { LanguageSelect } from './language-select.tsx';
import { MediaFocus, type Focus } from './media-focus.tsx';

/**
 * Writing a post: text (with @, # and : suggestions), content warning, visibility, language, a poll
 * or up to four media with alt text and focus point, and a counter from the instance's limits. The
 * draft (the main composer's, in localStorage too) and its idempotency key stay until the server took
 * the post, so a failed post can be sent again as it was. The same form edits a post, and takes a
 * deleted one back to redraft it.
 */
interface Draft {
  text: string;
  spoiler: string;
  warn: boolean;
  /** media marked sensitive without a content warning */
  sensitive: boolean;
  visibility: Visibility;
  language: string;
  poll: { options: string[]; expiresIn: number; multiple: boolean } | null;
  inReplyToId?: string | null;
}

const DRAFT_KEY = 'subspace.draft';
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

/** A new post as the member's preferences (update_credentials `source[...]`) would have it. */
function emptyDraft(me: Account): Draft {
  return {
    text: '',
    spoiler: '',
    warn: false,
    sensitive: me.source?.sensitive ?? false,
    visibility: me.source?.privacy ?? 'public',
    language: me.source?.language || navigator.language.slice(0, 2),
    poll: null,
  };
}

interface Upload {
  media: MediaAttachment;
  description: string;
  focus: Focus | null;
}

const uploadOf = (media: MediaAttachment): Upload => ({ media, description: media.description ?? '', focus: media.meta?.focus ?? null });
const focusParam = (focus: Focus | null) => (focus ? `${focus.x.toFixed(2)},${focus.y.toFixed(2)}` : undefined);
const sameFocus = (a: Focus | null | undefined, b: Focus | null | undefined) => focusParam(a ?? null) === focusParam(b ?? null);

/** A deleted post (DELETE /api/v1/statuses/:id answers it with its source `text`), to write again. */
export type Redraft = Status & { text: string };
const redraftListeners = new Set<(status: Redraft) => void>();
export function redraft(status: Redraft) {
  for (const listener of redraftListeners) listener(status);
}

function draftOf(status: Status, text: string, me: Account): Draft {
  const poll = status.poll;
  const left = poll?.expires_at ? Math.round((Date.parse(poll.expires_at) - Date.now()) / 1000) : 86400;
  return {
    ...emptyDraft(me),
    text,
    spoiler: status.spoiler_text,
    warn: !!status.spoiler_text,
    sensitive: status.sensitive,
    visibility: status.visibility,
    language: status.language ?? emptyDraft(me).language,
    poll: poll ? { options: poll.options.map((option) => option.title), expiresIn: Math.max(left, 300), multiple: poll.multiple } : null,
    inReplyToId: status.in_reply_to_id,
  };
}

function loadDraft(me: Account): Draft {
  try {
    return { ...emptyDraft(me), ...(JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null') ?? {}) };
  } catch {
    return emptyDraft(me);
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

export function Compose({ inReplyTo, editing, onPosted }: { inReplyTo?: Status; editing?: Status; onPosted?: (status: Status) => void }) {
  const { instance, me } = useSession();
  const limits = instance.configuration;
  const persistent = !inReplyTo && !editing;
  const mention = inReplyTo && inReplyTo.account.id !== me.id ? `@${inReplyTo.account.acct} ` : '';
  const [draft, setDraft] = useState<Draft>(() => {
    if (editing) return draftOf(editing, '', me);
    if (inReplyTo) return { ...emptyDraft(me), text: mention, visibility: inReplyTo.visibility, warn: !!inReplyTo.spoiler_text, spoiler: inReplyTo.spoiler_text };
    return loadDraft(me);
  });
  const [uploads, setUploads] = useState<Upload[]>(() => editing?.media_attachments.map(uploadOf) ?? []);
  const [uploading, setUploading] = useState(0);
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [sending, setSending] = useState(false);
  const [sourceLoaded, setSourceLoaded] = useState(!editing);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const id = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  // where the caret goes once a taken suggestion is in the textarea: set as soon as it is rendered, before the next key
  const caretAfterSuggestion = useRef<number | null>(null);
  const autocomplete = useAutocomplete(id, draft.text, (text, caret) => {
    caretAfterSuggestion.current = caret;
    setDraft((current) => ({ ...current, text }));
  });
  useLayoutEffect(() => {
    if (caretAfterSuggestion.current === null) return;
    textarea.current?.setSelectionRange(caretAfterSuggestion.current, caretAfterSuggestion.current);
    caretAfterSuggestion.current = null;
  }, [draft.text]);

  useEffect(() => {
    if (persistent) localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }, [draft, persistent]);

  useEffect(() => {
    // the post as its author wrote it, not its HTML
    if (!editing) return;
    api<{ text: string; spoiler_text: string }>(`/api/v1/statuses/${editing.id}/source`).then((source) => {
      setDraft((current) => ({ ...current, text: source.text, spoiler: source.spoiler_text, warn: !!source.spoiler_text }));
      setSourceLoaded(true);
      textarea.current?.focus();
    }, setError);
  }, [editing?.id]);

  useEffect(() => {
    if (!persistent) return;
    const listener = (status: Redraft) => {
      setDraft(draftOf(status, status.text, me));
      setUploads(status.media_attachments.map(uploadOf));
      setNotice('');
      textarea.current?.focus();
    };
    redraftListeners.add(listener);
    return () => void redraftListeners.delete(listener);
  }, [persistent, me]);

  const update = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const counted = draft.text.replace(URL_PATTERN, 'x'.repeat(limits.statuses.characters_reserved_per_url)).length + (draft.warn ? draft.spoiler.length : 0);
  const left = limits.statuses.max_characters - counted;
  const pollValid = !draft.poll || draft.poll.options.filter((option) => option.trim()).length >= 2;
  const canPost = sourceLoaded && !sending && uploading === 0 && left >= 0 && (draft.text.trim() !== '' || uploads.length > 0) && pollValid;

  const attach = async (files: FileList | null) => {
    if (!files) return;
    setError(null);
    for (const file of [...files].slice(0, limits.statuses.max_media_attachments - uploads.length)) {
      setUploading((n) => n + 1);
      try {
        const body = new FormData();
        body.append('file', file);
        const media = await processed(await api<MediaAttachment>('/api/v2/media', { method: 'POST', body }));
        setUploads((list) => [...list, uploadOf(media)]);
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
      const status = editing ? await saveEdit() : await post();
      if (!editing) {
        setDraft(persistent ? { ...emptyDraft(me), visibility: draft.visibility, language: draft.language } : { ...emptyDraft(me), visibility: draft.visibility, text: mention });
        setUploads([]);
        setIdempotencyKey(crypto.randomUUID());
        setNotice('Posted.');
      }
      onPosted?.(status);
    } catch (caught) {
      setError(caught instanceof Error ? new Error(`Your post was not sent (${caught.message}). It is kept here: try again.`) : caught);
    } finally {
      setSending(false);
    }
  };

  const fields = () => ({
    status: draft.text,
    spoiler_text: draft.warn ? draft.spoiler : '',
    sensitive: draft.warn || (uploads.length > 0 && draft.sensitive),
    language: draft.language || undefined,
    media_ids: uploads.map((upload) => upload.media.id),
    poll: draft.poll ? { options: draft.poll.options.filter((option) => option.trim()), expires_in: draft.poll.expiresIn, multiple: draft.poll.multiple } : undefined,
  });

  const post = async () => {
    for (const upload of uploads) {
      if (upload.description !== (upload.media.description ?? '') || !sameFocus(upload.focus, upload.media.meta?.focus)) {
        upload.media = await api<MediaAttachment>(`/api/v1/media/${upload.media.id}`, { method: 'PUT', body: { description: upload.description, focus: focusParam(upload.focus) } });
      }
    }
    const { media_ids, ...rest } = fields();
    return api<Status>('/api/v1/statuses', {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKey },
      body: { ...rest, media_ids: media_ids.length ? media_ids : undefined, in_reply_to_id: inReplyTo?.id ?? draft.inReplyToId ?? undefined },
    });
  };

  // an edit names the attachments it keeps, with their descriptions and focus points
  const saveEdit = () =>
    api<Status>(`/api/v1/statuses/${editing!.id}`, {
      method: 'PUT',
      body: { ...fields(), media_attributes: uploads.map((upload) => ({ id: upload.media.id, description: upload.description, focus: focusParam(upload.focus) })) },
    });

  const setOption = (index: number, value: string) => {
    const options = [...draft.poll!.options];
    options[index] = value;
    update({ poll: { ...draft.poll!, options } });
  };

  return (
    <form class="compose" onSubmit={submit} aria-label={editing ? 'Edit post' : inReplyTo ? 'Reply' : 'New post'}>
      {draft.warn && (
        <>
          <label for={`${id}-spoiler`}>Content warning</label>
          <input id={`${id}-spoiler`} type="text" value={draft.spoiler} onInput={(event) => update({ spoiler: (event.target as HTMLInputElement).value })} />
        </>
      )}
      <label for={`${id}-text`}>{editing ? 'Edit your post' : inReplyTo ? `Reply to @${inReplyTo.account.acct}` : "What's on your mind?"}</label>
      <div class="autocomplete">
        <textarea
          ref={textarea}
          id={`${id}-text`}
          rows={persistent ? 5 : 3}
          value={draft.text}
          disabled={!sourceLoaded}
          aria-describedby={`${id}-count`}
          {...autocomplete.inputProps}
          onInput={(event) => {
            const input = event.target as HTMLTextAreaElement;
            update({ text: input.value });
            autocomplete.typed(input.selectionStart);
          }}
        />
        {autocomplete.list}
      </div>
      <p id={`${id}-count`} class={left < 0 ? 'counter over' : 'counter'}>
        {left} characters left
      </p>

      {uploads.length > 0 && (
        <ul class="uploads">
          {uploads.map((upload, i) => (
            <li key={upload.media.id}>
              <MediaFocus
                id={`${id}-focus-${i}`}
                number={i + 1}
                src={upload.media.preview_url ?? ''}
                focus={upload.focus}
                onChange={(focus) => setUploads(uploads.map((u, j) => (j === i ? { ...u, focus } : u)))}
              />
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
      {uploads.length > 0 && !draft.warn && (
        <label>
          <input type="checkbox" checked={draft.sensitive} onChange={(event) => update({ sensitive: (event.target as HTMLInputElement).checked })} /> Mark media as sensitive
        </label>
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
        <select id={`${id}-visibility`} value={draft.visibility} disabled={!!editing} onChange={(event) => update({ visibility: (event.target as HTMLSelectElement).value as Visibility })}>
          <option value="public">Public</option>
          <option value="unlisted">Unlisted</option>
          <option value="private">Followers only</option>
          <option value="direct">Mentioned people only</option>
        </select>
        <LanguageSelect id={`${id}-language`} value={draft.language} onChange={(language) => update({ language })} />
        <button type="submit" class="primary" disabled={!canPost}>
          {sending ? 'Posting…' : editing ? 'Save' : inReplyTo ? 'Reply' : 'Post'}
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
