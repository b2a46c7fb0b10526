import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { replaceStatus, StatusCard } from '../components/status.tsx';
import { navigate } from '../router.tsx';
import type { Status } from '../types.ts';
import { ViewHeading } from './view-heading.tsx';

/** A status with the part of its thread the member may see: what it answers, then the replies. */
export function Thread({ id }: { id: string }) {
  const [statuses, setStatuses] = useState<Status[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setStatuses([]);
    Promise.all([api<Status>(`/api/v1/statuses/${id}`), api<{ ancestors: Status[]; descendants: Status[] }>(`/api/v1/statuses/${id}/context`)]).then(
      ([status, context]) => setStatuses([...context.ancestors, status, ...context.descendants]),
      setError,
    );
  }, [id]);
  return (
    <>
      <ViewHeading title="Thread" />
      <ErrorMessage error={error} />
      <section class="status-list" aria-label="Thread">
        {statuses.map((status) => (
          <StatusCard
            key={status.id}
            status={status}
            focused={status.id === id}
            onChange={(changed) => setStatuses((list) => replaceStatus(list, changed))}
            onDelete={(deleted) => (deleted === id ? navigate('/home') : setStatuses((list) => list.filter((s) => s.id !== deleted)))}
          />
        ))}
      </section>
    </>
  );
}
