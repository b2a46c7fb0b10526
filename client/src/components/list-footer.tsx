/** The end of a paginated list: empty, loading, or a button for the older items (the `Link` header's next page). */
export function ListFooter({
  empty,
  loading,
  next,
  onMore,
  emptyText,
  moreText,
}: {
  empty: boolean;
  loading: boolean;
  next: string | null;
  onMore: (next: string) => void;
  emptyText: string;
  moreText: string;
}) {
  return (
    <>
      {!loading && empty && <p class="empty muted">{emptyText}</p>}
      {loading && <p class="muted">Loading…</p>}
      {next && !loading && (
        <button type="button" class="load-more" onClick={() => onMore(next)}>
          {moreText}
        </button>
      )}
    </>
  );
}
