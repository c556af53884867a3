/** Pure formatting for the page (no DOM). */
export function formatDuration(s: number | null): string {
  if (s === null) return 'recording';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h} h ${m} min ${sec} s` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The wall-clock time (HH:MM:SS) in the recording's own offset, from its ISO start plus `offsetSeconds`. */
export function clockAt(startIso: string, offsetSeconds: number): string {
  const m = /([+-]\d{2}):?(\d{2})$|Z$/.exec(startIso);
  const offMin = m && m[1] ? (m[1].startsWith('-') ? -1 : 1) * (Math.abs(Number(m[1])) * 60 + Number(m[2])) : 0;
  const t = new Date(Date.parse(startIso) + offsetSeconds * 1000 + offMin * 60_000);
  return t.toISOString().slice(11, 19);
}

export function startLabel(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d{3}/, '');
}

export function levelLabel(
  a: { rmsDbfs: number | null; peakDbfs: number | null; loudSections: number } | null,
): string {
  if (!a) return 'not analyzed';
  const parts: string[] = [];
  if (a.rmsDbfs !== null) parts.push(`RMS ${a.rmsDbfs.toFixed(1)} dBFS`);
  if (a.peakDbfs !== null) parts.push(`peak ${a.peakDbfs.toFixed(1)} dBFS`);
  parts.push(`${a.loudSections} loud section${a.loudSections === 1 ? '' : 's'}`);
  return parts.join(', ');
}
