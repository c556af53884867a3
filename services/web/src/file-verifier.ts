import type { Stats } from 'node:fs';
import { sha256OfFile, type ManifestEntry } from '@isr/runtime';
import { ClipSlots } from './clip-slots.ts';
import { webError } from './errors.ts';
import type { ChainBreak, LedgerEntry, ManifestLedger } from './manifest-ledger.ts';

/** What /api/verify says of one file: the statuses of `isr verify` (verify-archive.ts). */
export type FileVerdict = 'ok' | 'modified' | 'missing' | 'unexpected' | 'chain-broken' | 'deleted' | 'open';

export interface FileVerification {
  path: string;
  status: FileVerdict;
  detail?: string;
  /** The file on disk: its SHA-256 and size (absent when it is not there or is being recorded). */
  sha256?: string;
  bytes?: number;
  /** Its latest manifest entry and where it is: the manifest (relative to the root) and its 1-based line. */
  manifest: { path: string; entry: number; line: ManifestEntry } | null;
  /** The first break of the source's chain at or before that entry (null: intact from the genesis). */
  chainBreak: ChainBreak | null;
}

/** Seconds a client refused because `max` files are being hashed is asked to wait. */
export const VERIFY_RETRY_AFTER_SECONDS = 1;
/** Hashes remembered (path, size, mtime → SHA-256): ~200 bytes each. */
const HASH_CACHE_MAX = 10_000;

/**
 * Verifies one recording against its source's manifests for /api/verify: re-hashes the file (at most `max`
 * files at a time — a 1 h FLAC costs ~0.3 s — beyond that a 429 with Retry-After), remembering the hash per
 * path, size and mtime, and looks up its latest entry and the chain before it in the ManifestLedger.
 */
export class FileVerifier {
  readonly #ledger: ManifestLedger;
  readonly #slots: ClipSlots;
  readonly #hashes = new Map<string, { key: string; sha256: string; bytes: number }>();

  constructor(ledger: ManifestLedger, max: number) {
    this.#ledger = ledger;
    this.#slots = new ClipSlots(max);
  }

  get ledger(): ManifestLedger {
    return this.#ledger;
  }

  async #hash(rel: string, abs: string, st: Stats): Promise<{ sha256: string; bytes: number }> {
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const known = this.#hashes.get(rel);
    if (known?.key === key) return known;
    const release = this.#slots.tryTake();
    if (!release) throw webError('verifyBusy', `${this.#slots.max} files are being hashed; try again in a moment`);
    try {
      const got = await sha256OfFile(abs);
      this.#hashes.delete(rel);
      if (this.#hashes.size >= HASH_CACHE_MAX) this.#hashes.delete(this.#hashes.keys().next().value!);
      this.#hashes.set(rel, { key, ...got });
      return got;
    } finally {
      release();
    }
  }

  /**
   * `file`: the recording on disk (null when it is not there); `recording`: it is being written (in no manifest
   * yet, or continued after its entry).
   */
  async verify(
    source: string,
    rel: string,
    file: { abs: string; stat: Stats } | null,
    recording: boolean,
  ): Promise<FileVerification> {
    const { entry, chainBreak } = await this.#ledger.lookup(source, rel);
    const manifest = entry && { path: entry.manifest, entry: entry.entry, line: entry.line };
    const base = { path: rel, manifest, chainBreak };
    if (recording)
      return { ...base, status: 'open', detail: 'being recorded: its manifest entry is appended when it is closed' };
    if (!file) {
      if (!entry) throw webError('notFound', `no such recording: ${rel} (and no manifest entry names it)`);
      if (entry.line.op === 'deleted') return { ...base, status: 'deleted', detail: deletedDetail(entry) };
      return {
        ...base,
        status: 'missing',
        detail: `not on disk; ${where(entry)} says it was closed with ${entry.line.bytes} bytes`,
      };
    }
    const got = await this.#hash(rel, file.abs, file.stat);
    const found = { ...base, sha256: got.sha256, bytes: got.bytes };
    if (!entry) return { ...found, status: 'unexpected', detail: 'in no manifest' };
    if (entry.line.op === 'deleted')
      return { ...found, status: 'unexpected', detail: `present, but ${deletedDetail(entry)}` };
    if (got.bytes !== entry.line.bytes)
      return { ...found, status: 'modified', detail: `${got.bytes} bytes, ${where(entry)} says ${entry.line.bytes}` };
    if (got.sha256 !== entry.line.sha256)
      return {
        ...found,
        status: 'modified',
        detail: `SHA-256 ${got.sha256}, ${where(entry)} says ${entry.line.sha256}`,
      };
    if (chainBreak)
      return {
        ...found,
        status: 'chain-broken',
        detail: `the file matches ${where(entry)}, but the chain before it is broken at entry ${chainBreak.entry} of ${chainBreak.manifest}: ${chainBreak.detail}`,
      };
    return {
      ...found,
      status: 'ok',
      detail: `matches ${where(entry)}; the chain is intact from the source's first entry`,
    };
  }
}

function where(e: LedgerEntry): string {
  return `entry ${e.entry} of ${e.manifest}`;
}

function deletedDetail(e: LedgerEntry): string {
  const d = e.line.op === 'deleted' ? e.line : null;
  return `recorded as deleted (${d?.reason ?? '?'}${d?.by ? ` by ${d.by}` : ''}) at ${d?.at ?? '?'} in ${where(e)}`;
}
