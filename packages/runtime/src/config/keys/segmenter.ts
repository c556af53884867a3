import type { KeySpec } from '../spec.ts';

/** Keys of the segmenter. */
export const segmenterKeys: readonly KeySpec[] = [
  {
    key: 'header_rewrite_seconds',
    type: 'number',
    default: 10,
    scope: 'general',
    min: 1,
    doc: 'Rewrite WAV/FLAC headers and fsync open files this often, so a crash leaves a playable file',
  },
  {
    key: 'status_interval_seconds',
    type: 'number',
    default: 2,
    scope: 'general',
    min: 0.5,
    doc: 'Write <output_directory>/status.json and KV isr_status this often',
  },
  {
    key: 'commit_interval_seconds',
    type: 'number',
    default: 1,
    scope: 'general',
    min: 0.1,
    max: 20,
    doc: 'Segmenter: fsync written audio, record it in the journal and acknowledge the chunks this often (also after every 64 chunks of a source)',
  },
  {
    key: 'idle_close_seconds',
    type: 'number',
    default: 5,
    scope: 'general',
    min: 0,
    max: 3600,
    doc: 'Segmenter: close a file once its split boundary passed this long ago and no audio arrived for this long (a capture that stopped)',
  },
  {
    key: 'keep_days',
    type: 'number',
    default: 0,
    scope: 'inherited',
    min: 0,
    doc: 'Segmenter: delete closed recordings (with their analysis) whose end — the file\'s modification time — is more than this many days ago; 0 = keep forever. A file marked "keep" is never deleted',
  },
  {
    key: 'min_free_mb',
    type: 'integer',
    default: 2048,
    scope: 'general',
    min: 0,
    doc: 'Segmenter disk guard: keep at least this many MiB free on each recordings filesystem by deleting the oldest closed recordings (across all sources) first; never an open or "keep"-marked file. 0 = off',
  },
  {
    key: 'disk_check_seconds',
    type: 'number',
    default: 5,
    scope: 'general',
    min: 0.05,
    max: 600,
    doc: 'Segmenter: check free space (statfs) and keep_days this often',
  },
];
