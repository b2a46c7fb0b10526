import { useState } from 'preact/hooks';
import { apiPage } from '../api.ts';

/** The items of a paginated endpoint (`Link` rel="next"), a page at a time; `onPage` sees each page as it comes. */
export function usePagedList<T>(onPage?: (items: T[]) => void) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const load = async (url: string, append: boolean) => {
    setLoading(true);
    try {
      const page = await apiPage<T[]>(url);
      setItems((list) => (append ? [...list, ...page.data] : page.data));
      setNext(page.next);
      setError(null);
      onPage?.(page.data);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };
  return { items, setItems, next, loading, error, setError, load };
}
