import { clockAt, formatBytes, formatDuration, levelLabel, startLabel } from './format.ts';
import { drawWaveform, type Wave } from './waveform.ts';

interface Summary { rmsDbfs: number | null; peakDbfs: number | null; lufs: number | null; loudSections: number; error: string | null }
interface Rec { path: string; source: string; start: string; startMs: number; durationSeconds: number | null; bytes: number; container: string; codec: string | null; recording: boolean; analysis: Summary | null }
interface Section { start: number; end: number }
interface SourceView { source: string; state: string; message: string | null; file: string | null }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const tbody = $<HTMLTableElement>('files').tBodies[0]!;
const player = $<HTMLAudioElement>('player');
const canvas = $<HTMLCanvasElement>('waveform');
const PAGE = 50;
let offset = 0;
let filter: { source: string; date: string } = { source: '', date: '' };
let current: Rec | null = null;
let wave: Wave = { peaks: [], duration: 0, sections: [] };
let live: number[] = [];
let deleteEnabled = false;
const rows = new Map<string, Rec>();
const statuses = new Map<string, SourceView>();

const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
function announce(text: string): void {
  const el = $('announce');
  el.textContent = '';
  setTimeout(() => (el.textContent = text), 50);
}

function stateCell(r: Rec): HTMLElement {
  const td = document.createElement('td');
  if (r.recording) {
    const b = document.createElement('span');
    b.className = 'rec';
    b.textContent = 'REC';
    b.setAttribute('aria-label', 'Recording now');
    b.title = 'Recording now';
    td.append(b);
  } else td.textContent = 'Complete';
  return td;
}

function rowOf(r: Rec): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.path = r.path;
  if (current?.path === r.path) tr.className = 'current';
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = r.source;
  const cells = [startLabel(r.start), formatDuration(r.durationSeconds), formatBytes(r.bytes), levelLabel(r.analysis)].map((t) => {
    const td = document.createElement('td');
    td.textContent = t;
    return td;
  });
  const actions = document.createElement('td');
  const open = document.createElement('button');
  open.type = 'button';
  open.textContent = 'Open';
  open.setAttribute('aria-label', `Open ${r.source} recording of ${startLabel(r.start)}`);
  open.addEventListener('click', () => void openRecording(r));
  actions.append(open);
  tr.append(th, ...cells, stateCell(r), actions);
  return tr;
}

function renderRow(r: Rec): void {
  const old = tbody.querySelector(`tr[data-path="${CSS.escape(r.path)}"]`);
  const tr = rowOf(r);
  if (old) {
    // Keep focus on the Open button when a row is refreshed by a live event.
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(tr);
    if (hadFocus) tr.querySelector('button')?.focus();
  } else tbody.prepend(tr);
}

function matchesFilter(r: Rec): boolean {
  if (filter.source && r.source !== filter.source) return false;
  if (filter.date && !r.start.startsWith(filter.date)) return false;
  return offset === 0;
}

async function loadList(): Promise<void> {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filter.source) q.set('source', filter.source);
  if (filter.date) {
    q.set('from', `${filter.date}T00:00:00`);
    q.set('to', new Date(Date.parse(`${filter.date}T00:00:00`) + 86_400_000).toISOString());
  }
  const res = await fetch(`/api/files?${q}`);
  const body = (await res.json()) as { total: number; files: Rec[]; sources: string[] };
  tbody.replaceChildren(...body.files.map(rowOf));
  rows.clear();
  for (const f of body.files) rows.set(f.path, f);
  const sel = $<HTMLSelectElement>('f-source');
  const known = new Set([...sel.options].map((o) => o.value));
  for (const s of body.sources) if (!known.has(s)) sel.add(new Option(s, s));
  const last = Math.min(offset + PAGE, body.total);
  $('list-summary').textContent = body.total === 0 ? 'No recordings match.' : `Showing recordings ${offset + 1} to ${last} of ${body.total}.`;
  $<HTMLButtonElement>('prev').disabled = offset === 0;
  $<HTMLButtonElement>('next').disabled = last >= body.total;
}

let livePairSeconds = 0.05;

function redraw(): void {
  const liveSeconds = (live.length / 2) * livePairSeconds;
  const duration = current?.durationSeconds ?? (current?.recording ? liveSeconds : Number.isFinite(player.duration) ? player.duration : 0);
  const peaks = wave.peaks.length ? wave.peaks : live;
  drawWaveform(canvas, { ...wave, peaks, duration: wave.duration || duration }, player.currentTime);
  canvas.setAttribute('aria-valuemax', String(Math.round(wave.duration || duration)));
  canvas.setAttribute('aria-valuenow', String(Math.round(player.currentTime)));
  canvas.setAttribute('aria-valuetext', current ? `${clockAt(current.start, player.currentTime)}, ${Math.round(player.currentTime)} seconds in` : '0 seconds');
}

function seek(seconds: number): void {
  const max = Number.isFinite(player.duration) ? player.duration : wave.duration;
  player.currentTime = Math.max(0, Math.min(seconds, max || seconds));
  redraw();
}

async function loadAnalysis(r: Rec): Promise<void> {
  const text = $('waveform-text');
  const list = $('sections');
  list.replaceChildren();
  wave = { peaks: [], duration: 0, sections: [] };
  if (r.recording) {
    text.textContent = 'Being recorded: the waveform grows from live levels; loud sections are listed once the file is closed and analysed.';
    redraw();
    return;
  }
  text.textContent = 'Loading analysis…';
  const res = await fetch(`/api/analyze?file=${encodeURIComponent(r.path)}`);
  if (current?.path !== r.path) return;
  if (res.status === 202) {
    text.textContent = 'Analysis requested; it will appear here when ready.';
    return;
  }
  if (!res.ok) {
    const e = (await res.json().catch(() => ({}))) as { error?: string };
    text.textContent = `No analysis: ${e.error ?? res.statusText}.`;
    redraw();
    return;
  }
  const a = (await res.json()) as { sections: Section[]; waveform: { data: number[]; samples_per_pixel: number; sample_rate: number; bits: number; channels: number } | null; summary: Summary };
  const w = a.waveform;
  const scale = w ? 2 ** ((w.bits || 16) - 1) : 1;
  const peaks = w ? w.data.map((v) => v / scale) : [];
  const duration = w ? ((peaks.length / 2 / Math.max(1, w.channels)) * w.samples_per_pixel) / w.sample_rate : r.durationSeconds ?? 0;
  wave = { peaks, duration, sections: a.sections };
  text.textContent = `${levelLabel(a.summary)}. Loud sections are marked in red on the waveform and listed below.`;
  for (const s of a.sections) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `Jump to ${clockAt(r.start, s.start)}, ${Math.round(s.end - s.start)} s`;
    b.addEventListener('click', () => {
      seek(s.start);
      void player.play().catch(() => {});
    });
    li.append(b);
    list.append(li);
  }
  if (a.sections.length === 0) list.append(Object.assign(document.createElement('li'), { textContent: 'No loud sections.' }));
  redraw();
}

async function openRecording(r: Rec): Promise<void> {
  current = r;
  live = [];
  for (const tr of tbody.rows) tr.classList.toggle('current', tr.dataset.path === r.path);
  const detail = $('detail');
  detail.hidden = false;
  $('detail-heading').textContent = `${r.source}, ${startLabel(r.start)}`;
  $('detail-meta').textContent = `${r.container.toUpperCase()}, ${formatBytes(r.bytes)}, ${r.recording ? 'being recorded now' : formatDuration(r.durationSeconds)}.`;
  player.src = `/stream/${enc(r.path)}`;
  $<HTMLAnchorElement>('download').href = `/download/${enc(r.path)}`;
  $('delete-area').hidden = !deleteEnabled || r.recording;
  detail.focus();
  await loadAnalysis(r);
}

function startEvents(): void {
  const es = new EventSource('/api/events');
  const on = (name: string, fn: (data: unknown) => void) => es.addEventListener(name, (e) => fn(JSON.parse((e as MessageEvent<string>).data)));
  on('hello', (d) => {
    for (const s of (d as { sources: SourceView[] }).sources) statuses.set(s.source, s);
    renderStatuses();
  });
  on('status', (d) => {
    const s = d as SourceView;
    const before = statuses.get(s.source)?.state;
    statuses.set(s.source, s);
    if (before !== s.state) renderStatuses();
  });
  const upsert = (d: unknown, verb: string) => {
    const r = d as Rec;
    if (!rows.has(r.path) && !matchesFilter(r)) return;
    rows.set(r.path, r);
    renderRow(r);
    if (current?.path === r.path) {
      const wasRecording = current.recording;
      current = r;
      $('delete-area').hidden = !deleteEnabled || r.recording;
      if (wasRecording && !r.recording) void loadAnalysis(r);
    }
    $('list-summary').textContent = `Showing ${tbody.rows.length} recordings; new ones appear at the top.`;
    announce(`${verb}: ${r.source}, ${startLabel(r.start)}`);
  };
  on('file-opened', (d) => upsert(d, 'Recording started'));
  on('file-closed', (d) => upsert(d, 'Recording finished'));
  on('file-deleted', (d) => {
    const p = (d as { path: string }).path;
    rows.delete(p);
    tbody.querySelector(`tr[data-path="${CSS.escape(p)}"]`)?.remove();
  });
  on('analysis', (d) => {
    const a = d as { path: string; summary: Summary | null };
    const r = rows.get(a.path);
    if (r && a.summary) {
      r.analysis = a.summary;
      renderRow(r);
    }
    if (current?.path === a.path) void loadAnalysis(current);
  });
  on('level', (d) => {
    const l = d as { source: string; waveform: number[]; pairSeconds?: number };
    if (!current?.recording || current.source !== l.source || wave.peaks.length) return;
    if (l.pairSeconds) livePairSeconds = l.pairSeconds;
    live.push(...l.waveform);
    if (live.length > 20_000) live = live.slice(-20_000);
    redraw();
  });
}

function renderStatuses(): void {
  const parts = [...statuses.values()].map((s) => `${s.source}: ${s.state}${s.message ? ` (${s.message})` : ''}`);
  $('sources-status').textContent = parts.length ? `Sources — ${parts.join('; ')}.` : 'No source has reported yet.';
}

function wire(): void {
  $<HTMLFormElement>('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    filter = { source: $<HTMLSelectElement>('f-source').value, date: $<HTMLInputElement>('f-date').value };
    offset = 0;
    void loadList();
  });
  $('f-clear').addEventListener('click', () => {
    filter = { source: '', date: '' };
    $<HTMLSelectElement>('f-source').value = '';
    $<HTMLInputElement>('f-date').value = '';
    offset = 0;
    void loadList();
  });
  $('prev').addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), void loadList()));
  $('next').addEventListener('click', () => ((offset += PAGE), void loadList()));
  $('close-detail').addEventListener('click', () => {
    player.pause();
    $('detail').hidden = true;
    const p = current?.path;
    current = null;
    (tbody.querySelector(`tr[data-path="${CSS.escape(p ?? '')}"] button`) as HTMLElement | null)?.focus();
  });
  player.addEventListener('timeupdate', redraw);
  player.addEventListener('loadedmetadata', redraw);
  canvas.addEventListener('click', (e) => {
    const rect = canvas.getBoundingClientRect();
    const d = wave.duration || (Number.isFinite(player.duration) ? player.duration : 0);
    seek(((e.clientX - rect.left) / rect.width) * d);
  });
  canvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 30 : 5;
    const d = wave.duration || player.duration || 0;
    const keys: Record<string, number> = { ArrowRight: player.currentTime + step, ArrowUp: player.currentTime + step, ArrowLeft: player.currentTime - step, ArrowDown: player.currentTime - step, PageUp: player.currentTime + 60, PageDown: player.currentTime - 60, Home: 0, End: d };
    const to = keys[e.key];
    if (to === undefined) return;
    e.preventDefault();
    seek(to);
  });
  $<HTMLFormElement>('clip').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!current) return;
    const a = Number($<HTMLInputElement>('clip-start').value);
    const b = Number($<HTMLInputElement>('clip-end').value);
    if (!(b > a)) {
      announce('The clip end must be after its start.');
      return;
    }
    const q = new URLSearchParams({ source: current.source, start: new Date(current.startMs + a * 1000).toISOString(), end: new Date(current.startMs + b * 1000).toISOString(), format: 'wav' });
    location.href = `/api/clip?${q}`;
  });
  const dialog = $<HTMLDialogElement>('confirm-delete');
  $('delete').addEventListener('click', () => {
    if (!current) return;
    $('confirm-text').textContent = `This permanently deletes ${current.source}, ${startLabel(current.start)} and its analysis.`;
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'delete' || !current) return;
    const cred = $<HTMLInputElement>('delete-token').value;
    const auth = cred.includes(':') ? `Basic ${btoa(cred)}` : `Bearer ${cred}`;
    const r = current;
    void fetch(`/api/files/${enc(r.path)}`, { method: 'DELETE', headers: { authorization: auth } }).then(async (res) => {
      if (res.ok) {
        announce(`Deleted ${r.source}, ${startLabel(r.start)}.`);
        $('detail').hidden = true;
        current = null;
        await loadList();
        $('recordings').focus();
      } else {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        announce(`Not deleted: ${body.error ?? res.statusText}`);
      }
    });
  });
}

async function init(): Promise<void> {
  const info = (await (await fetch('/api/info')).json()) as { deleteEnabled: boolean };
  deleteEnabled = info.deleteEnabled;
  wire();
  await loadList();
  startEvents();
  document.body.dataset.ready = 'true';
}
void init();
