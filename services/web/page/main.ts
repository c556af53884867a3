/** The archive page: wires the table and the detail view, and follows /api/events (no polling). */
import {
  currentRecording,
  fileUpdated,
  levelArrived,
  loadAnalysis,
  openRecording,
  setDeleteEnabled,
  wireDetail,
} from './detail.ts';
import { $, announce, type Rec, type SourceView, type Summary } from './dom.ts';
import { startLabel } from './format.ts';
import {
  addSources,
  goTo,
  knownSources,
  recordingOpened,
  recordingUpdated,
  setMomentHandler,
  wireMoment,
} from './moment.ts';
import {
  momentChosen,
  showDay,
  timelineFileEvent,
  timelineRefresh,
  timelineStatus,
  today,
  wireTimeline,
} from './timeline.ts';
import { browserZone } from './zoned-time.ts';
import { loadList, matchesFilter, removeRow, renderRow, rows, setTableHandlers, tbody, wireTable } from './table.ts';

const statuses = new Map<string, SourceView>();

function startEvents(): void {
  const es = new EventSource('/api/events');
  const on = (name: string, fn: (data: unknown) => void) =>
    es.addEventListener(name, (e) => fn(JSON.parse((e as MessageEvent<string>).data)));
  let connected = false;
  on('hello', (d) => {
    for (const s of (d as { sources: SourceView[] }).sources) statuses.set(s.source, s);
    renderStatuses();
    // After a reconnect, events may have been missed: reload the rows shown.
    if (connected) void loadList();
    connected = true;
  });
  on('status', (d) => {
    const s = d as SourceView;
    const before = statuses.get(s.source)?.state;
    statuses.set(s.source, s);
    if (before !== s.state) renderStatuses();
    timelineStatus(s);
  });
  const upsert = (d: unknown, verb: string) => {
    const r = d as Rec;
    addSources([r.source]);
    recordingUpdated(r);
    timelineFileEvent(r);
    if (!rows.has(r.path) && !matchesFilter(r)) return;
    rows.set(r.path, r);
    renderRow(r);
    fileUpdated(r);
    $('list-summary').textContent = `Showing ${tbody.rows.length} recordings; new ones appear at the top.`;
    announce(`${verb}: ${r.source}, ${startLabel(r.start)}`);
  };
  on('file-opened', (d) => upsert(d, 'Recording started'));
  on('file-closed', (d) => upsert(d, 'Recording finished'));
  on('file-deleted', (d) => {
    removeRow((d as { path: string }).path);
    // The event names only the path: the day shown is redrawn in case the file was in it.
    timelineRefresh();
  });
  on('file-keep', (d) => {
    const k = d as { path: string; keep: boolean };
    const r = rows.get(k.path);
    if (!r) return;
    r.keep = k.keep;
    renderRow(r);
    fileUpdated(r);
  });
  on('analysis', (d) => {
    const a = d as { path: string; summary: Summary | null };
    const r = rows.get(a.path);
    if (r && a.summary) {
      r.analysis = a.summary;
      renderRow(r);
    }
    const cur = currentRecording();
    if (cur?.path === a.path) void loadAnalysis(cur);
  });
  on('level', (d) => levelArrived(d as { source: string; waveform: number[]; pairSeconds?: number }));
}

function renderStatuses(): void {
  const parts = [...statuses.values()].map((s) => `${s.source}: ${s.state}${s.message ? ` (${s.message})` : ''}`);
  $('sources-status').textContent = parts.length ? `Sources — ${parts.join('; ')}.` : 'No source has reported yet.';
}

async function init(): Promise<void> {
  const info = (await (await fetch('/api/info')).json()) as { deleteEnabled: boolean };
  setDeleteEnabled(info.deleteEnabled);
  setTableHandlers(
    (r) => {
      void openRecording(r);
      recordingOpened(r);
    },
    () => currentRecording()?.path,
  );
  wireTable();
  wireDetail();
  await loadList();
  wireTimeline({ zone: browserZone(), play: (source, ms) => void goTo(source, ms), sources: knownSources });
  setMomentHandler(momentChosen);
  await wireMoment();
  // A deep link has shown its own day by now.
  if (!$<HTMLInputElement>('tl-day').value) await showDay(today());
  startEvents();
  document.body.dataset.ready = 'true';
}
void init();
