import { parse } from 'node:querystring';
import type { FastifySchemaValidationError } from 'fastify';
import { webError, type WebError } from './errors.ts';

/**
 * The query strings of the web routes as fastify route schemas (validated by Ajv before the handler runs,
 * with fastify's coercion: numbers from text, a key given once from a one-element list). A key given twice
 * (`?file=a&file=b`) reaches the schema as a list and fails its type: a 400 like any other bad query.
 */

/** An instant: ISO 8601 or epoch ms, turned into a time by parseInstant. */
const instant = { type: 'string', maxLength: 64 } as const;
const sourceName = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export interface FilesQuery {
  source?: string;
  from?: string;
  to?: string;
  offset: number;
  limit: number;
}
export const filesQuerySchema = {
  type: 'object',
  properties: {
    source: sourceName,
    from: instant,
    to: instant,
    offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export interface AnalyzeQuery {
  file: string;
  threshold?: number;
}
export const analyzeQuerySchema = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', maxLength: 4096 },
    threshold: { type: 'number', minimum: 0, maximum: 1 }, // linear RMS, like --threshold and the analyzer's
  },
} as const;

export interface ClipQuery {
  source: string;
  start: string;
  end: string;
  format?: string;
  manifest?: 0 | 1;
}
export const clipQuerySchema = {
  type: 'object',
  required: ['source', 'start', 'end'],
  properties: {
    source: sourceName,
    start: instant,
    end: instant,
    format: { type: 'string', maxLength: 16 },
    // 1: the clip's provenance as JSON (its files, their manifest entries and SHA-256) instead of the audio.
    manifest: { type: 'integer', enum: [0, 1] },
  },
} as const;

export interface VerifyQuery {
  file: string;
}
export const verifyQuerySchema = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', maxLength: 4096 },
  },
} as const;

/** A recording as /api/files lists it: the Recording fields, typed for fast-json-stringify; none is required (a missing one is left out, never a 500). */
const recordingSchema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    source: { type: 'string' },
    start: { type: 'string' },
    startMs: { type: 'number' },
    durationSeconds: { type: ['number', 'null'] },
    bytes: { type: 'number' },
    codec: { type: ['string', 'null'] },
    container: { type: 'string' },
    sampleRate: { type: ['number', 'null'] },
    channels: { type: ['number', 'null'] },
    recording: { type: 'boolean' },
    gaps: { type: 'number' },
    keep: { type: 'boolean' },
    // The seed's names for the same facts (seed-fields.ts).
    name: { type: 'string' },
    size: { type: 'number' },
    date: { type: 'string' },
    duration: { type: ['number', 'null'] },
    ext: { type: 'string' },
    analysis: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: true,
          properties: {
            rmsDbfs: { type: ['number', 'null'] },
            peakDbfs: { type: ['number', 'null'] },
            lufs: { type: ['number', 'null'] },
            loudSections: { type: 'number' },
            error: { type: ['string', 'null'] },
          },
        },
      ],
    },
  },
  // Fields added later (or by a newer segmenter's events) are still sent as they are.
  additionalProperties: true,
} as const;

export const filesResponseSchema = {
  200: {
    type: 'object',
    properties: {
      total: { type: 'integer' },
      offset: { type: 'integer' },
      limit: { type: 'integer' },
      files: { type: 'array', items: recordingSchema },
      sources: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

/** Splits a query string like fastify's default, except that an empty value (`?limit=`) is the same as no key. */
export function parseQueryString(s: string): Record<string, string | string[]> {
  const q = parse(s) as Record<string, string | string[]>;
  for (const [k, v] of Object.entries(q)) if (v === '') delete q[k];
  return q;
}

/** A failed query schema as the app's 400: `{error, code: ISR_WEB_BAD_QUERY}`, naming each bad key. */
export function queryErrorOf(errors: FastifySchemaValidationError[], dataVar: string): WebError {
  const what = errors.map((e) => {
    const key =
      e.instancePath.replace(/^\//, '') ||
      String((e.params as { missingProperty?: string }).missingProperty ?? dataVar);
    switch (e.keyword) {
      case 'required':
        return `${key} is required`;
      case 'type':
        return `${key} must be given once, as ${(e.params as { type?: unknown }).type === 'string' ? 'text' : `a ${String((e.params as { type?: unknown }).type)}`}`;
      case 'pattern':
        return key === 'source'
          ? 'source may contain only letters, digits, "-" and "_" (1 to 64)'
          : `${key} is not valid`;
      default:
        return `${key} ${e.message ?? 'is not valid'}`;
    }
  });
  return webError('badQuery', what.join('; '));
}
