import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The archive manifest: `<output_directory>/<source>/<day>/manifest.jsonl`, one JSON object per line, appended
 * by the segmenter when it closes a file (`closed`) and when retention or the disk guard deletes one
 * (`deleted`). Every line carries `prev`, the SHA-256 of the previous line of the source's chain (the bytes of
 * the line without its newline): the first line of a day follows the last line of the source's previous day, and
 * the very first line follows the source's genesis hash. Editing, removing or inserting a line breaks the chain
 * at the line after it. docs/segmenter.md#manifest.
 */
export const MANIFEST_FILE = 'manifest.jsonl';

/** Held while appending to a source's chain (beside its day directories). */
const LOCK_FILE = '.manifest.lock';
/** A lock this old was left by a process that died holding it (an append takes milliseconds). */
const LOCK_STALE_MS = 10_000;

/** Day directories (`YYYY-MM-DD`, the local day of the configured time zone) that may hold a manifest. */
export const MANIFEST_DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface ManifestClosedEntry {
  op: 'closed';
  /** SHA-256 (hex) of the previous line of the chain, or the source's genesis hash. */
  prev: string;
  /** Path relative to output_directory, '/'-separated. */
  path: string;
  /** ISO UTC of the first sample and just after the last. */
  start: string;
  end: string;
  frames: number;
  durationSeconds: number;
  bytes: number;
  /** SHA-256 (hex) of the whole file as closed. */
  sha256: string;
}

export interface ManifestDeletedEntry {
  op: 'deleted';
  prev: string;
  path: string;
  /** 'retention' | 'disk_guard' (the segmenter) | 'web' (DELETE /api/files). */
  reason: string;
  /** Who deleted it, when the deletion says (web: the Basic-auth user, or 'token'). */
  by?: string;
  /** Size of the file when it was deleted. */
  bytes: number;
  /** ISO UTC of the deletion. */
  at: string;
}

export type ManifestEntry = ManifestClosedEntry | ManifestDeletedEntry;
/** An entry before it is chained (the writer adds `prev`). */
export type ManifestBody = Omit<ManifestClosedEntry, 'prev'> | Omit<ManifestDeletedEntry, 'prev'>;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `prev` of a source's first line ever. */
export function manifestGenesis(source: string): string {
  return sha256Hex(`ISR manifest genesis ${source}`);
}

/** The hash the next line's `prev` must equal. */
export function lineHash(line: string): string {
  return sha256Hex(line);
}

/** Days (sorted) of a source directory that hold a manifest. */
export async function manifestDays(sourceDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(sourceDir);
  } catch {
    return [];
  }
  const days: string[] = [];
  for (const d of names.filter((n) => MANIFEST_DAY.test(n)).sort()) {
    const ok = await readdir(join(sourceDir, d)).then(
      (n) => n.includes(MANIFEST_FILE),
      () => false,
    );
    if (ok) days.push(d);
  }
  return days;
}

export interface ManifestText {
  /** The complete lines (each ended by a newline), without the newline. */
  lines: string[];
  /** Bytes of the complete lines. */
  completeBytes: number;
  /** A last line without its newline (an append a crash or a full disk cut short), else null. */
  torn: string | null;
}

export async function readManifest(file: string): Promise<ManifestText> {
  const buf = await readFile(file);
  const end = buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, end).toString('utf8');
  const lines = text ? text.slice(0, -1).split('\n') : [];
  return { lines, completeBytes: end, torn: end < buf.length ? buf.subarray(end).toString('utf8') : null };
}

/** A manifest line as an entry, or null when it is not one (not JSON, no `op`/`prev`/`path`). */
export function parseEntry(line: string): ManifestEntry | null {
  try {
    const e = JSON.parse(line) as Partial<ManifestEntry> | null;
    if (
      !e ||
      typeof e !== 'object' ||
      (e.op !== 'closed' && e.op !== 'deleted') ||
      typeof e.prev !== 'string' ||
      typeof e.path !== 'string'
    )
      return null;
    if (e.op === 'closed' && (typeof e.sha256 !== 'string' || typeof e.bytes !== 'number')) return null;
    return e as ManifestEntry;
  } catch {
    return null;
  }
}

/** fsyncs a directory, so that a file created in it survives a power cut. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The day an entry goes to: its own day, unless the chain already reached a later day (a deletion, a late file). */
export interface AppendTarget {
  root: string;
  source: string;
  day: string;
}

/**
 * Appends entries to the sources' manifests. Appends of one source are serialised in this process (the source
 * writer and retention share it) and, through a lock file, between the processes sharing the directory; the head
 * of the chain is read from disk at each append, so a source taken over from another segmenter of the group
 * continues that segmenter's chain. A torn last line (an append cut
 * short by a crash or a full disk: never complete, never acknowledged) is cut off before the next append; a
 * failed append is cut back to the length before it, so the file never keeps half a line.
 */
export class ManifestWriter {
  readonly #queues = new Map<string, Promise<unknown>>();

  /** Called when a torn last line was cut off (for the log). */
  onTorn: ((file: string, torn: string) => void) | null = null;

  append(t: AppendTarget, body: ManifestBody): Promise<ManifestEntry> {
    const key = join(t.root, t.source);
    const p = (this.#queues.get(key) ?? Promise.resolve()).then(() => this.#append(t, body));
    this.#queues.set(
      key,
      p.catch(() => undefined),
    );
    return p;
  }

  /** The last line of the source's chain (its hash is the next `prev`) and the day holding it. */
  async head(
    root: string,
    source: string,
  ): Promise<{ day: string | null; prev: string; lastLine: string | null; lines: string[] }> {
    const dir = join(root, source);
    const days = await manifestDays(dir);
    for (let i = days.length - 1; i >= 0; i--) {
      const file = join(dir, days[i]!, MANIFEST_FILE);
      const m = await readManifest(file);
      if (m.torn !== null) await this.#cutTorn(file, m);
      const last = m.lines.at(-1);
      if (last !== undefined) return { day: days[i]!, prev: lineHash(last), lastLine: last, lines: m.lines };
    }
    return { day: null, prev: manifestGenesis(source), lastLine: null, lines: [] };
  }

  async #cutTorn(file: string, m: ManifestText): Promise<void> {
    const fh = await open(file, 'r+');
    try {
      await fh.truncate(m.completeBytes);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.onTorn?.(file, m.torn!);
  }

  /**
   * Runs `fn` holding `<root>/<source>/.manifest.lock` (created exclusively): segmenters of a group share the
   * recordings directory, and the one running retention appends to a source another one writes. A lock older
   * than LOCK_STALE_MS (its holder died) is taken over.
   */
  async #locked<T>(sourceDir: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(sourceDir, { recursive: true });
    const lock = join(sourceDir, LOCK_FILE);
    for (;;) {
      try {
        const fh = await open(lock, 'wx');
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const st = await stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
        const aside = `${lock}.stale-${process.pid}-${Date.now()}`;
        if (
          await rename(lock, aside).then(
            () => true,
            () => false,
          )
        )
          await unlink(aside).catch(() => undefined);
        continue;
      }
      await sleep(5 + Math.random() * 10);
    }
    try {
      return await fn();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  #append(t: AppendTarget, body: ManifestBody): Promise<ManifestEntry> {
    return this.#locked(join(t.root, t.source), () => this.#appendLocked(t, body));
  }

  async #appendLocked(t: AppendTarget, body: ManifestBody): Promise<ManifestEntry> {
    const head = await this.head(t.root, t.source);
    // Appended already (a crash came before the journal forgot the entry; retention may have appended since): when
    // the path's latest entry of the day already says this, nothing is appended. (The same path closed again with
    // the same bytes, continued after a crash, says nothing new either.)
    for (let i = head.lines.length - 1; i >= 0; i--) {
      const e = parseEntry(head.lines[i]!);
      if (e?.path !== body.path) continue;
      if (
        e.op === body.op &&
        (e.op === 'deleted' || (body.op === 'closed' && e.sha256 === body.sha256 && e.bytes === body.bytes))
      )
        return e;
      break;
    }
    const day = head.day !== null && head.day > t.day ? head.day : t.day;
    const entry = { prev: head.prev, ...body } as ManifestEntry;
    const line = JSON.stringify(entry) + '\n';
    const dir = join(t.root, t.source, day);
    const file = join(dir, MANIFEST_FILE);
    const created = await mkdir(dir, { recursive: true });
    const fh = await open(file, 'a+');
    let size: number;
    try {
      size = (await fh.stat()).size;
      try {
        await fh.appendFile(line);
        await fh.datasync();
      } catch (err) {
        await fh.truncate(size).catch(() => undefined);
        throw err;
      }
    } finally {
      await fh.close();
    }
    if (size === 0) await fsyncDir(dir);
    if (created) await fsyncDir(join(t.root, t.source)).catch(() => undefined);
    return entry;
  }
}
