import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiPage } from '../api.ts';
import { subscribe } from '../streaming.ts';
import type { Status } from '../types.ts';
import { ErrorMessage } from './error-message.tsx';
import { ListFooter } from './list-footer.tsx';
import { replaceStatus, StatusCard } from './status.tsx';

export interface Live {
  stream: string;
  tag?: string;
  list?: string;
}

/**
 * A paginated list of statuses from one endpoint (`Link` rel="next" for older ones); with `live`, new
 * ones arrive from that stream (`update`, `status.update`, `delete`), and after a lost connection the
 * list is fetched again so that nothing sent meanwhile is missed.
 */
export function StatusList({ endpoint, live, label }: { endpoint: string; live?: Live; label: string }) {
  const [statuses, setStatuses] = useState<Status[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const load = useCallback(async (url: string, append: boolean) => {
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await apiPage<Status[]>(url);
      if (mine !== generation.current) return;
      setStatuses((list) => {
        if (!append) return page.data;
        const known = new Set(list.map((s) => s.id));
        return [...list, ...page.data.filter((s) => !known.has(s.id))];
      });
      if (!append || page.data.length) setNext(page.next);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    generation.current++;
    setStatuses([]);
    setNext(null);
    void load(endpoint, false);
    if (!live) return;
    return subscribe({
      stream: live.stream,
      tag: live.tag,
      list: live.list,
      onEvent: ({ event, payload }) => {
        if (event === 'update') {
          const status = payload as Status;
          setStatuses((list) => (list.some((s) => s.id === status.id) ? list : [status, ...list]));
        } else if (event === 'status.update') setStatuses((list) => replaceStatus(list, payload as Status));
        else if (event === 'delete') setStatuses((list) => list.filter((s) => s.id !== payload && s.reblog?.id !== payload));
      },
      onReconnect: () => void load(endpoint, false),
    });
  }, [endpoint, live?.stream, live?.tag, live?.list, load]);

  return (
    <section class="status-list" aria-label={label} aria-busy={loading}>
      <ErrorMessage error={error} />
      {statuses.map((status) => (
        <StatusCard
          key={status.id}
          status={status}
          onChange={(changed) => setStatuses((list) => replaceStatus(list, changed))}
          onDelete={(id) => setStatuses((list) => list.filter((s) => s.id !== id && s.reblog?.id !== id))}
        />
      ))}
      <ListFooter empty={statuses.length === 0 && !error} loading={loading} next={next} onMore={(url) => load(url, true)} emptyText="Nothing here yet." moreText="Load older posts" />
    </section>
  );
}
