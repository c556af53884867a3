/** Drawing of the waveform (min/max pairs, −1…1) with loud sections and the play position. */
export interface Wave {
  peaks: number[];
  duration: number;
  sections: { start: number; end: number }[];
}

export function drawWaveform(canvas: HTMLCanvasElement, w: Wave, position: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  if (w.duration > 0) {
    ctx.fillStyle = 'rgba(200, 0, 30, 0.25)';
    for (const s of w.sections)
      ctx.fillRect((s.start / w.duration) * width, 0, Math.max(2, ((s.end - s.start) / w.duration) * width), height);
  }
  const pairs = Math.floor(w.peaks.length / 2);
  if (pairs > 0) {
    ctx.fillStyle = '#1a3d7c';
    const mid = height / 2;
    for (let x = 0; x < width; x++) {
      const a = Math.floor((x / width) * pairs);
      const b = Math.max(a + 1, Math.floor(((x + 1) / width) * pairs));
      let lo = 0;
      let hi = 0;
      for (let i = a; i < b && i < pairs; i++) {
        lo = Math.min(lo, w.peaks[2 * i]!);
        hi = Math.max(hi, w.peaks[2 * i + 1]!);
      }
      ctx.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
    }
  }
  if (w.duration > 0) {
    ctx.fillStyle = '#000';
    ctx.fillRect((position / w.duration) * width, 0, 2, height);
  }
}
