/** The recordings table: rows, filters, pages. */
import { $, type Rec } from './dom.ts';
import { formatBytes, formatDuration, levelLabel, startLabel } from './format.ts';
import { verifyMark } from './verify-mark.ts';

export const tbody = $<HTMLTableElement>('files').tBodies[0]!;
const PAGE = 50;
let offset = 0;
let filter: { source: string; date: string } = { source: '', date: '' };
/** Rows shown, by path. */
export const rows = new Map<string, Rec>();
let onOpen: (r: Rec) => void = () => {};
let currentPath: () => string | undefined = () => undefined;

export function setTableHandlers(open: (r: Rec) => void, current: () => string | undefined): void {
  onOpen = open;
  currentPath = current;
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
  if (r.keep) {
    const k = document.createElement('span');
    k.className = 'kept';
    k.textContent = 'Kept';
    k.title = 'On hold: never deleted by retention, the disk guard or Delete';
    td.append(' ', k);
  }
  return td;
}

function rowOf(r: Rec): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.path = r.path;
  if (currentPath() === r.path) tr.className = 'current';
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = r.source;
  const cells = [
    startLabel(r.start),
    r.path.slice(r.path.lastIndexOf('/') + 1),
    formatDuration(r.durationSeconds),
    formatBytes(r.bytes),
    levelLabel(r.analysis),
  ].map((t) => {
    const td = document.createElement('td');
    td.textContent = t;
    return td;
  });
  cells[1]!.className = 'file'; // the file name, as the seed showed it; its path in the tooltip
  cells[1]!.title = r.path;
  const actions = document.createElement('td');
  const open = document.createElement('button');
  open.type = 'button';
  open.textContent = 'Open';
  open.setAttribute('aria-label', `Open ${r.source} recording of ${startLabel(r.start)}`);
  open.addEventListener('click', () => onOpen(r));
  actions.append(open);
  // A file being recorded has no manifest entry yet: it is verified once closed.
  if (!r.recording) actions.append(' ', verifyMark(r.path, `${r.source} recording of ${startLabel(r.start)}`));
  tr.append(th, ...cells, stateCell(r), actions);
  return tr;
}

export function renderRow(r: Rec): void {
  const old = tbody.querySelector(`tr[data-path="${CSS.escape(r.path)}"]`);
  const tr = rowOf(r);
  if (old) {
    // Keep focus on the Open button when a row is refreshed by a live event.
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(tr);
    if (hadFocus) tr.querySelector('button')?.focus();
  } else tbody.prepend(tr);
}

export function matchesFilter(r: Rec): boolean {
  if (filter.source && r.source !== filter.source) return false;
  if (filter.date && !r.start.startsWith(filter.date)) return false;
  return offset === 0;
}

export async function loadList(): Promise<void> {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filter.source) q.set('source', filter.source);
  if (filter.date) {
    // The day in the browser's own time zone, sent as UTC instants.
    const dayStart = new Date(`${filter.date}T00:00:00`);
    q.set('from', dayStart.toISOString());
    q.set('to', new Date(dayStart.getTime() + 86_400_000).toISOString());
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
  $('list-summary').textContent =
    body.total === 0 ? 'No recordings match.' : `Showing recordings ${offset + 1} to ${last} of ${body.total}.`;
  $<HTMLButtonElement>('prev').disabled = offset === 0;
  $<HTMLButtonElement>('next').disabled = last >= body.total;
}

export function markCurrent(path: string | undefined): void {
  for (const tr of tbody.rows) tr.classList.toggle('current', tr.dataset.path === path);
}

export function removeRow(path: string): void {
  rows.delete(path);
  tbody.querySelector(`tr[data-path="${CSS.escape(path)}"]`)?.remove();
}

export function focusRow(path: string): void {
  (tbody.querySelector(`tr[data-path="${CSS.escape(path)}"] button`) as HTMLElement | null)?.focus();
}

export function wireTable(): void {
  // Up/Down move between the rows' Open buttons (keyboard-first; Tab still works).
  tbody.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const tr = (e.target as HTMLElement).closest('tr');
    const next = e.key === 'ArrowDown' ? tr?.nextElementSibling : tr?.previousElementSibling;
    const button = next?.querySelector('button');
    if (button) {
      e.preventDefault();
      button.focus();
    }
  });
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
}
