import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { SafeHtml } from '../sanitize.tsx';
import type { StatusEdit } from '../types.ts';
import { ErrorMessage } from './error-message.tsx';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A post's versions (GET /api/v1/statuses/:id/history), newest first, as Mastodon's web shows them. */
export function EditHistory({ statusId, id }: { statusId: string; id: string }) {
  const [versions, setVersions] = useState<StatusEdit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<StatusEdit[]>(`/api/v1/statuses/${statusId}/history`).then((list) => setVersions(list.reverse()), setError);
  }, [statusId]);
  return (
    <section id={id} class="edit-history" aria-label="Edit history" aria-busy={!versions && !error}>
      <ErrorMessage error={error} />
      {versions && (
        <ol>
          {versions.map((version, i) => (
            <li key={version.created_at}>
              <p class="muted">
                {i === versions.length - 1 ? 'Posted' : 'Edited'} <time dateTime={version.created_at}>{dateFormat.format(new Date(version.created_at))}</time>
                {i === 0 ? ' (current)' : ''}
              </p>
              {version.spoiler_text && <p class="cw">{version.spoiler_text}</p>}
              <SafeHtml class="content" html={version.content} emojis={version.emojis} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
