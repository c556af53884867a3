import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  lineHash,
  MANIFEST_DAY,
  MANIFEST_FILE,
  manifestDays,
  manifestGenesis,
  parseEntry,
  readManifest,
  type ManifestEntry,
} from './manifest.ts';
import { walkRecordings } from './recording-walk.ts';

/**
 * What `isr verify` finds for one file or manifest line. Problems: `modified` (the file's SHA-256 or size is not
 * the manifest's), `missing` (in the manifest, not on disk), `unexpected` (on disk, in no manifest — or present
 * though recorded as deleted), `chain-broken` (a manifest line whose `prev` is not the hash of the line before
 * it, or that is no entry: the line before it, or this one, was changed, removed or inserted). Not problems:
 * `ok`, `deleted` (recorded as deleted by retention and gone), `open` (being recorded: in no manifest yet), `torn`
 * (the newest manifest ends in half a line a crash left; the segmenter cuts it off and appends the entry again).
 */
export const VerifyStatuses = {
  ok: 'ok',
  modified: 'modified',
  missing: 'missing',
  unexpected: 'unexpected',
  chainBroken: 'chain-broken',
  deleted: 'deleted',
  open: 'open',
  torn: 'torn',
} as const;
export type VerifyStatus = (typeof VerifyStatuses)[keyof typeof VerifyStatuses];

const PROBLEMS: ReadonlySet<VerifyStatus> = new Set<VerifyStatus>([
  'modified',
  'missing',
  'unexpected',
  'chain-broken',
]);

export function isProblem(status: VerifyStatus): boolean {
  return PROBLEMS.has(status);
}

export interface VerifyReport {
  status: VerifyStatus;
  /** The recording, or for chain-broken and torn the manifest (relative to the root, '/'-separated). */
  path: string;
  /** chain-broken / torn: the 1-based line of the manifest. */
  entry?: number;
  detail?: string;
}

export interface VerifyOptions {
  root: string;
  source: string;
  /** Days (YYYY-MM-DD) to report on, inclusive; the chain is still walked from the source's first manifest. */
  from?: string;
  to?: string;
  /** Paths (relative to the root) of files being recorded: reported `open`, not `unexpected`. */
  open?: ReadonlySet<string>;
}

/** Day directory of a path `<source>/<day>/…`, or null when the path has none. */
function dayOf(rel: string): string | null {
  const d = rel.split('/')[1] ?? '';
  return MANIFEST_DAY.test(d) ? d : null;
}

/** SHA-256 (hex) and size of a file, read once in 1 MiB pieces. */
export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { sha256: h.digest('hex'), bytes };
}

/** The recordings on disk of a source, relative to the root (`<source>/…`), sorted. */
async function recordingsOf(root: string, source: string): Promise<string[]> {
  const out: string[] = [];
  for await (const rel of walkRecordings(join(root, source), { maxDepth: 8 })) out.push(`${source}/${rel}`);
  return out.sort();
}

/**
 * Walks a source's manifests from its first day (every line's `prev` against the hash of the line before it,
 * across days, from the source's genesis hash), re-hashes every file the manifests name, and looks for
 * recordings on disk that no manifest names. Returns one report per file and per broken or torn line, in order.
 */
export async function verifySource(o: VerifyOptions): Promise<VerifyReport[]> {
  const inRange = (day: string | null): boolean =>
    day === null || ((!o.from || day >= o.from) && (!o.to || day <= o.to));
  const reports: VerifyReport[] = [];
  const latest = new Map<string, { e: ManifestEntry; day: string }>();
  const days = await manifestDays(join(o.root, o.source));
  let prev = manifestGenesis(o.source);
  let prevWhere: string | null = null;
  for (const [i, day] of days.entries()) {
    const rel = `${o.source}/${day}/${MANIFEST_FILE}`;
    const m = await readManifest(join(o.root, rel));
    for (const [k, line] of m.lines.entries()) {
      const n = k + 1;
      const e = parseEntry(line);
      if (!e) {
        if (inRange(day))
          reports.push({ status: 'chain-broken', path: rel, entry: n, detail: `entry ${n} is not a manifest entry` });
      } else if (e.prev !== prev) {
        const why =
          prevWhere === null
            ? "its prev is not the source's genesis hash: earlier entries were removed, or this one was changed"
            : `its prev is not the hash of ${prevWhere}: that entry was changed, or entries were removed or inserted between them, or this one was changed`;
        if (inRange(day)) reports.push({ status: 'chain-broken', path: rel, entry: n, detail: why });
      }
      prev = lineHash(line);
      prevWhere = `entry ${n} of ${rel}`;
      if (e) latest.set(e.path, { e, day });
    }
    if (m.torn !== null && inRange(day)) {
      const newest = i === days.length - 1;
      reports.push({
        status: newest ? 'torn' : 'chain-broken',
        path: rel,
        entry: m.lines.length + 1,
        detail: newest
          ? 'an incomplete last line (an append a crash cut short; cut off at the next append)'
          : `entry ${m.lines.length + 1} is incomplete`,
      });
    }
  }
  const onDisk = new Set(await recordingsOf(o.root, o.source));
  for (const [path, { e, day }] of [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!inRange(dayOf(path) ?? day)) continue;
    const present = onDisk.has(path);
    onDisk.delete(path);
    if (e.op === 'deleted') {
      reports.push(
        present
          ? { status: 'unexpected', path, detail: `present, but recorded as deleted (${e.reason}) at ${e.at}` }
          : { status: 'deleted', path, detail: `${e.reason}${e.by ? ` by ${e.by}` : ''} at ${e.at}` },
      );
      continue;
    }
    if (!present) {
      reports.push({ status: o.open?.has(path) ? 'open' : 'missing', path });
      continue;
    }
    const got = await sha256OfFile(join(o.root, path));
    if (got.sha256 === e.sha256 && got.bytes === e.bytes) reports.push({ status: 'ok', path });
    else if (o.open?.has(path))
      reports.push({ status: 'open', path, detail: 'continued after its manifest entry (being recorded)' });
    else
      reports.push({
        status: 'modified',
        path,
        detail:
          got.bytes !== e.bytes
            ? `${got.bytes} bytes, the manifest says ${e.bytes}`
            : `SHA-256 ${got.sha256}, the manifest says ${e.sha256}`,
      });
  }
  for (const path of onDisk) {
    if (latest.has(path) || !inRange(dayOf(path))) continue;
    reports.push(
      o.open?.has(path) ? { status: 'open', path } : { status: 'unexpected', path, detail: 'in no manifest' },
    );
  }
  return reports;
}

/** The file each source's segmenter journal names as open (`<journalDir>/journal-<source>.json`), relative to its root. */
export async function openFilesOf(journalDir: string, sources: readonly string[]): Promise<Set<string>> {
  const open = new Set<string>();
  for (const source of sources) {
    try {
      const doc = JSON.parse(await readFile(join(journalDir, `journal-${source}.json`), 'utf8')) as {
        sources?: Record<string, { file?: { rel?: unknown } | null }>;
      };
      const rel = doc.sources?.[source]?.file?.rel;
      if (typeof rel === 'string') open.add(rel);
    } catch {
      // no journal (never recorded here) or one being replaced: nothing open
    }
  }
  return open;
}
