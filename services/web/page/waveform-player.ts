/**
 * The waveform of a closed recording with peaks.js (the BBC's viewer for audiowaveform data, which the analyzer
 * writes): a zoomable detail view over an overview, both with the playhead, click to seek, and the loud sections
 * as segments. peaks.js drives the page's own player through an adapter, so it follows the element heard even
 * when playback crosses into the next file. A drag across the detail view selects a clip (peaks.js's
 * insert-segment drag mode): the selection stays as an editable segment whose ends can be dragged; a click
 * without a drag seeks. A file still being recorded has no analysis yet: detail.ts then
 * draws its live levels on a canvas instead.
 */
import Peaks, { type JsonWaveformData, type PeaksInstance, type Segment } from 'peaks.js';
import { $ } from './dom.ts';
import { onPlayer, player } from './playback.ts';

type Emitter = { emit(event: string, ...args: unknown[]): void };
let emitter: Emitter | null = null;
let peaks: PeaksInstance | null = null;
/** Bumped by every show/hide, so a slow init for a recording no longer shown is thrown away. */
let generation = 0;

const adapter = {
  init: async (e: Emitter) => {
    emitter = e;
  },
  destroy: () => {
    emitter = null;
  },
  play: () => player().play(),
  pause: () => player().pause(),
  isPlaying: () => !player().paused,
  isSeeking: () => player().seeking,
  getCurrentTime: () => player().currentTime,
  getDuration: () => player().duration,
  seek: (t: number) => {
    player().currentTime = t;
  },
};

const forward: [keyof HTMLMediaElementEventMap, string][] = [
  ['timeupdate', 'player.timeupdate'],
  ['playing', 'player.playing'],
  ['pause', 'player.pause'],
  ['seeked', 'player.seeked'],
  ['canplay', 'player.canplay'],
  ['ended', 'player.ended'],
];
for (const [from, to] of forward) onPlayer(from, () => emitter?.emit(to, player().currentTime));

/** A drag shorter than this (seconds) is a click: it seeks instead of selecting. */
const MIN_SELECTION = 0.1;
const CLIP_ID = 'clip';

/** Makes a drag on the detail view select a span (seconds from the file start), given to `onSelect`. */
function wireSelection(instance: PeaksInstance, onSelect: (start: number, end: number) => void): void {
  instance.views.getView('zoomview')?.setWaveformDragMode('insert-segment');
  const chosen = (s: Segment) => onSelect(s.startTime, s.endTime);
  instance.on('segments.insert', ({ segment }) => {
    const { startTime, endTime } = segment;
    instance.segments.removeById(segment.id!);
    if (endTime - startTime < MIN_SELECTION) {
      adapter.seek(startTime);
      return;
    }
    instance.segments.removeById(CLIP_ID);
    chosen(
      instance.segments.add({
        id: CLIP_ID,
        startTime,
        endTime,
        editable: true,
        overlay: true,
        color: '#f2b233',
        borderColor: '#7a5200',
        labelText: 'clip',
      }),
    );
  });
  instance.on('segments.dragend', ({ segment }) => {
    if (segment.id === CLIP_ID) chosen(segment);
  });
}

/**
 * Shows a closed recording's waveform (audiowaveform JSON) with its loud sections (seconds from the file start);
 * a span dragged across the detail view is given to `onSelect` (seconds from the file start).
 */
export function showPeaks(
  data: JsonWaveformData,
  sections: { start: number; end: number }[],
  onSelect: (start: number, end: number) => void,
): Promise<void> {
  hidePeaks();
  // peaks.js 4 draws 8-bit data only; the analyzer writes 16-bit: scale it down (the view has < 256 rows anyway).
  const json =
    data.bits === 8
      ? data
      : {
          ...data,
          bits: 8,
          data: data.data.map((v) => Math.max(-128, Math.min(127, Math.round(v / 2 ** (data.bits - 8))))),
        };
  const mine = generation;
  $('peaks').hidden = false;
  // peaks.js draws zoom levels at or above the data's own scale: 1×, 2×, 4×, 8× its samples per pixel.
  const zoomLevels = [1, 2, 4, 8].map((k) => json.samples_per_pixel * k);
  return new Promise((resolve) => {
    Peaks.init(
      {
        zoomview: {
          container: $('zoomview'),
          waveformColor: '#1a3d7c',
          playedWaveformColor: '#4a6fa5',
          playheadColor: '#000',
          axisLabelColor: '#333',
          showPlayheadTime: true,
        },
        overview: {
          container: $('overview'),
          waveformColor: '#6d7f9e',
          playheadColor: '#000',
          highlightColor: '#1a3d7c',
        },
        player: adapter as never,
        waveformData: { json },
        zoomLevels,
        keyboard: false,
        segments: sections.map((s, i) => ({
          id: `loud-${i}`,
          startTime: s.start,
          endTime: s.end,
          labelText: 'loud',
          color: '#d0182f',
        })),
      },
      (err, instance) => {
        if (mine !== generation || err || !instance) {
          instance?.destroy();
          // Without peaks.js (it refused the data) the canvas below draws the same waveform.
          if (mine === generation) hidePeaks();
        } else {
          peaks = instance;
          wireSelection(instance, onSelect);
        }
        resolve();
      },
    );
  });
}

export function hidePeaks(): void {
  generation++;
  peaks?.destroy();
  peaks = null;
  $('peaks').hidden = true;
}

export const peaksShown = (): boolean => peaks !== null;

/** Zooms the detail view in (−1) or out (+1) one level. */
export function zoom(by: -1 | 1): void {
  if (!peaks) return;
  if (by < 0) peaks.zoom.zoomIn();
  else peaks.zoom.zoomOut();
}
