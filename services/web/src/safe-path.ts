import { webError } from './errors.ts';

/** Longest relative path (bytes) and path segment (bytes) accepted; longer names are refused before any I/O. */
export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

/**
 * Decodes the raw (still percent-encoded) tail of a URL such as `/stream/<tail>` exactly once.
 * A malformed escape is a 400; what the decoded text may contain is checked by checkRelativePath.
 */
export function decodeUrlPath(rawTail: string): string {
  const q = rawTail.search(/[?#]/);
  const tail = q >= 0 ? rawTail.slice(0, q) : rawTail;
  try {
    return decodeURIComponent(tail);
  } catch (cause) {
    throw webError('badPath', 'the path has a malformed %-escape', cause);
  }
}

/**
 * Validates a decoded path relative to the recordings root and returns it normalised ('/'-separated
 * segments). Pure: no file system access. Refuses (400) absolute paths, `.`/`..`/empty segments,
 * backslashes, NUL and other control characters, a remaining `%XX` (double encoding) and over-long names.
 */
export function checkRelativePath(path: string): string {
  if (path.length === 0) throw webError('badPath', 'empty path');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES)
    throw webError('badPath', `path longer than ${MAX_PATH_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw webError('badPath', 'control character in path');
  if (path.includes('\\')) throw webError('badPath', 'backslash in path');
  if (/%[0-9a-fA-F]{2}/.test(path))
    throw webError('badPath', 'encoded characters remain after decoding (double encoding)');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw webError('badPath', 'absolute path');
  if (path.includes('\uFFFD')) throw webError('badPath', 'invalid UTF-8 in path');
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw webError('badPath', 'empty, "." or ".." segment in path');
    if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES)
      throw webError('badPath', `path segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return segments.join('/');
}
