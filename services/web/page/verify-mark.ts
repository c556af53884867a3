/** The "verified" mark of a table row: a Verify button asks /api/verify for the file on demand and then shows the verdict. */
import { announce } from './dom.ts';

interface Verdict {
  status: string;
  detail?: string;
}

/** What each status reads as on the button (the detail is its title and is announced). */
const LABELS: Record<string, string> = {
  ok: 'Verified',
  modified: 'Modified',
  missing: 'Missing',
  unexpected: 'Unexpected',
  'chain-broken': 'Chain broken',
  deleted: 'Deleted',
  open: 'Being recorded',
};
const GOOD = new Set(['ok', 'open', 'deleted']);

/** Verdicts of this page's life, so a row redrawn by a live event keeps its mark. */
const verdicts = new Map<string, Verdict>();

function show(b: HTMLButtonElement, v: Verdict, what: string): void {
  b.textContent = LABELS[v.status] ?? v.status;
  b.className = `verify ${GOOD.has(v.status) ? 'verify-ok' : 'verify-bad'}`;
  b.title = v.detail ?? '';
  b.setAttribute('aria-label', `${LABELS[v.status] ?? v.status}: ${what}. Verify again`);
}

/** The Verify button of one recording (`what`: the row's name for it, e.g. "studio recording of 14:32:00"). */
export function verifyMark(path: string, what: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'verify';
  b.textContent = 'Verify';
  b.title = 'Re-hash the file and check it against its manifest entry and the hash chain';
  b.setAttribute('aria-label', `Verify ${what} against the archive manifest`);
  const known = verdicts.get(path);
  if (known) show(b, known, what);
  b.addEventListener('click', () => {
    // Busy, not disabled: a disabled button would lose the keyboard focus.
    if (b.getAttribute('aria-busy') === 'true') return;
    b.setAttribute('aria-busy', 'true');
    b.textContent = 'Verifying…';
    void (async () => {
      try {
        const res = await fetch(`/api/verify?file=${encodeURIComponent(path)}`);
        const body = (await res.json().catch(() => ({}))) as Verdict & { error?: string };
        if (!res.ok) throw new Error(body.error ?? res.statusText);
        verdicts.set(path, body);
        show(b, body, what);
        announce(`${LABELS[body.status] ?? body.status}: ${body.detail ?? what}`);
      } catch (err) {
        b.textContent = 'Verify';
        announce(`Could not verify ${what}: ${(err as Error).message}`);
      } finally {
        b.removeAttribute('aria-busy');
      }
    })();
  });
  return b;
}
