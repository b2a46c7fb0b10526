/**
 * An attachment's focus point (Mastodon's `meta.focus`, x and y from -1 to 1, y upwards): the point
 * thumbnails keep in view when they crop. A click on the preview sets it; the two fields set it from
 * the keyboard.
 */
export interface Focus {
  x: number;
  y: number;
}

const clamp = (value: number) => Math.max(-1, Math.min(1, Math.round(value * 100) / 100));

export function MediaFocus({ id, number, src, focus, onChange }: { id: string; number: number; src: string; focus: Focus | null; onChange: (focus: Focus) => void }) {
  const current = focus ?? { x: 0, y: 0 };
  const pick = (event: MouseEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    onChange({ x: clamp(((event.clientX - box.left) / box.width) * 2 - 1), y: clamp(1 - ((event.clientY - box.top) / box.height) * 2) });
  };
  return (
    <div class="media-focus">
      <button type="button" class="focus-picker" aria-label={`Set the focus point of attachment ${number} where you click`} onClick={pick}>
        <img src={src} alt="" />
        <span class="focus-mark" aria-hidden="true" style={{ insetInlineStart: `${((current.x + 1) / 2) * 100}%`, insetBlockStart: `${((1 - current.y) / 2) * 100}%` }} />
      </button>
      <fieldset class="focus-fields">
        <legend>Focus point of attachment {number}</legend>
        <label for={`${id}-x`}>Across (−1 left, 1 right)</label>
        <input id={`${id}-x`} type="number" min={-1} max={1} step={0.05} value={current.x} onInput={(event) => onChange({ ...current, x: clamp(Number((event.target as HTMLInputElement).value)) })} />
        <label for={`${id}-y`}>Up (−1 bottom, 1 top)</label>
        <input id={`${id}-y`} type="number" min={-1} max={1} step={0.05} value={current.y} onInput={(event) => onChange({ ...current, y: clamp(Number((event.target as HTMLInputElement).value)) })} />
      </fieldset>
    </div>
  );
}
