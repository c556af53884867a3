import type { Recording } from './file-index.ts';

/**
 * The field names of the seed's web.py `/api/files`, beside today's, so that scripts written for the seed keep
 * working: `name` (the path relative to the recordings root, as /stream/ and ?file= take it), `size` (bytes),
 * `date` (the start, ISO 8601 with its offset), `duration` (seconds, null while recording), `ext` (the
 * extension without the dot); `recording` has kept its name.
 */
export interface SeedFields {
  name: string;
  size: number;
  date: string;
  duration: number | null;
  ext: string;
}

export function withSeedFields(r: Recording): Recording & SeedFields {
  return { ...r, name: r.path, size: r.bytes, date: r.start, duration: r.durationSeconds, ext: r.container };
}
