import type { Recording } from './file-index.ts';

export interface StorageReport {
  /** Bytes of the file system holding the recordings. */
  totalBytes: number;
  freeBytes: number;
  /** Bytes per source, from the index. */
  sources: Record<string, { bytes: number; files: number }>;
  /** Bytes written per day over the last 24 h of recordings (null when nothing was recorded). */
  bytesPerDay: number | null;
  /** freeBytes ÷ bytesPerDay (null when the rate is unknown or zero). */
  daysLeft: number | null;
}

const DAY_MS = 86_400_000;

/** Per-source totals and days left at the current recording rate. Pure. */
export function estimateStorage(
  files: readonly Recording[],
  disk: { totalBytes: number; freeBytes: number },
  nowMs: number,
): StorageReport {
  const sources: StorageReport['sources'] = {};
  let recentBytes = 0;
  let earliest = nowMs;
  for (const f of files) {
    const s = (sources[f.source] ??= { bytes: 0, files: 0 });
    s.bytes += f.bytes;
    s.files++;
    if (f.startMs >= nowMs - DAY_MS && f.startMs <= nowMs) {
      recentBytes += f.bytes;
      earliest = Math.min(earliest, f.startMs);
    }
  }
  const spanMs = nowMs - earliest;
  const bytesPerDay = recentBytes > 0 && spanMs > 0 ? (recentBytes * DAY_MS) / spanMs : null;
  const daysLeft = bytesPerDay ? disk.freeBytes / bytesPerDay : null;
  return { ...disk, sources, bytesPerDay, daysLeft };
}
