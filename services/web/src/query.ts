import { webError } from './errors.ts';

// What the route schemas (query-schema.ts) cannot say: an instant's text turned into a time, and the raw tail
// of a path URL.

/** An instant given as ISO 8601 (with or without offset; a bare date means its UTC midnight) or epoch ms. */
export function parseInstant(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d{9,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    throw webError('badQuery', `${name}: "${raw.slice(0, 60)}" is not a time (ISO 8601 or epoch milliseconds)`);
  return ms;
}

/** The raw, still-encoded part of a request URL after `prefix` (e.g. "/stream/"). */
export function rawTail(url: string, prefix: string): string {
  return url.startsWith(prefix) ? url.slice(prefix.length) : '';
}
