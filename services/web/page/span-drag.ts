/**
 * Pointer input on a horizontal time axis (a day-timeline row): a press and release within a few pixels is a
 * click at an instant (with Shift or not); a press that moves farther is a drag, reported as it goes and when it
 * ends. The element keeps the pointer while dragging, so a drag may end outside it.
 */

/** A pointer that moves farther than this (CSS pixels) between down and up drags instead of clicking. */
const DRAG_PX = 4;

export interface SpanDragHandlers {
  /** The instant under a client x coordinate. */
  msAt(clientX: number): number;
  /** While dragging: the span so far (null: the drag was cancelled). */
  dragging(span: { startMs: number; endMs: number } | null): void;
  /** A drag ended between two instants (in the order dragged). */
  dragged(fromMs: number, toMs: number): void;
  clicked(ms: number, shift: boolean): void;
}

export function wireSpanDrag(el: HTMLElement, h: SpanDragHandlers): void {
  let down: { x: number; ms: number; moved: boolean } | null = null;
  el.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    el.setPointerCapture(e.pointerId);
    down = { x: e.clientX, ms: h.msAt(e.clientX), moved: false };
  });
  el.addEventListener('pointermove', (e) => {
    if (!down) return;
    if (Math.abs(e.clientX - down.x) > DRAG_PX) down.moved = true;
    if (!down.moved) return;
    const ms = h.msAt(e.clientX);
    h.dragging({ startMs: Math.min(down.ms, ms), endMs: Math.max(down.ms, ms) });
  });
  el.addEventListener('pointercancel', () => {
    down = null;
    h.dragging(null);
  });
  el.addEventListener('pointerup', (e) => {
    const d = down;
    down = null;
    if (!d) return;
    if (d.moved) {
      h.dragging(null);
      h.dragged(d.ms, h.msAt(e.clientX));
    } else h.clicked(h.msAt(e.clientX), e.shiftKey);
  });
}
