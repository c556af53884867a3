import { isValidSourceName } from '@isr/contract';
import { webError } from './errors.ts';

/** An instant given as ISO 8601 (with or without offset; a bare date means its UTC midnight) or epoch ms. */
export function parseInstant(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d{9,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw webError('badQuery', `${name}: "${raw.slice(0, 60)}" is not a time (ISO 8601 or epoch milliseconds)`);
  return ms;
}

export function parseIntParam(raw: string | undefined, name: string, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw webError('badQuery', `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function parseSource(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!isValidSourceName(raw)) throw webError('badQuery', 'source may contain only letters, digits, "-" and "_"');
  return raw;
}

export function parseNumberParam(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw webError('badQuery', `${name} must be a number`);
  return n;
}

/** The raw, still-encoded part of a request URL after `prefix` (e.g. "/stream/"). */
export function rawTail(url: string, prefix: string): string {
  return url.startsWith(prefix) ? url.slice(prefix.length) : '';
}
