import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A view's heading: it names the document and, after a navigation, takes the focus so that screen
 * readers announce the new view and the keyboard continues from there.
 */
export function ViewHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Subspace`;
    if (document.activeElement && document.activeElement !== document.body) heading.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <div class="view-heading">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}
