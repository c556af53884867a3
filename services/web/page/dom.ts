/** Shared page types and DOM helpers. */
export interface Summary {
  rmsDbfs: number | null;
  peakDbfs: number | null;
  lufs: number | null;
  loudSections: number;
  error: string | null;
}
export interface Rec {
  path: string;
  source: string;
  start: string;
  startMs: number;
  durationSeconds: number | null;
  bytes: number;
  container: string;
  codec: string | null;
  recording: boolean;
  keep?: boolean;
  analysis: Summary | null;
}
export interface Section {
  start: number;
  end: number;
}
export interface SourceView {
  source: string;
  state: string;
  message: string | null;
  file: string | null;
  lastChunk?: string | null;
}

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A recording path as a URL path (each segment encoded). */
export const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** Says something through the assertive live region (cleared first so a repeat is spoken again). */
export function announce(text: string): void {
  const el = $('announce');
  el.textContent = '';
  setTimeout(() => (el.textContent = text), 50);
}
