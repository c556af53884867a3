import { isValidSourceName } from '@isr/contract';

/** Content-Type per container, by file extension. */
export const AudioContentTypes: Readonly<Record<string, string>> = {
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  json: 'application/json',
};

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function contentTypeOf(path: string): string {
  return AudioContentTypes[extensionOf(path)] ?? 'application/octet-stream';
}

export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set(['wav', 'flac', 'mp3', 'aac', 'ogg', 'opus']);

/**
 * A recording as the segmenter names it: `<source>/…/<name>.wav|flac|mp3|aac|ogg|opus` with no hidden (`.`)
 * segment. Not status.json, the segmenter's journal (`.isr/…`), a day's manifest.jsonl, an analysis
 * sidecar (served as an analysis by /api/analyze), a keep mark or anything else someone put there. Pure.
 */
export function isRecordingPath(rel: string): boolean {
  const segments = rel.split('/');
  return (
    segments.length >= 2 &&
    isValidSourceName(segments[0]!) &&
    !segments.some((s) => s.startsWith('.')) &&
    AUDIO_EXTENSIONS.has(extensionOf(rel))
  );
}

/** A download file name safe in any header and file system: the basename with anything odd replaced. */
export function attachmentName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const safe = base.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  return safe.slice(0, 200) || 'recording';
}

export function contentDisposition(kind: 'attachment' | 'inline', path: string): string {
  const name = attachmentName(path);
  return `${kind}; filename="${name}"`;
}
