/**
 * A value made by the first call (typically a module's dynamic import), the same promise after; a
 * failure is not remembered, so the next call tries again.
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    if (!made) {
      made = make();
      made.catch(() => (made = undefined));
    }
    return made;
  };
}
