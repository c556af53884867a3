import type { KeySpec } from '../spec.ts';

/** Keys of the segmenter. */
export const segmenterKeys: readonly KeySpec[] = [
  { key: 'header_rewrite_seconds', type: 'number', default: 10, scope: 'general', min: 1, doc: 'Rewrite WAV/FLAC headers and fsync open files this often, so a crash leaves a playable file' },
  { key: 'status_interval_seconds', type: 'number', default: 2, scope: 'general', min: 0.5, doc: 'Write <output_directory>/status.json and KV isr_status this often' },
  { key: 'commit_interval_seconds', type: 'number', default: 1, scope: 'general', min: 0.1, max: 20, doc: 'Segmenter: fsync written audio, record it in the journal and acknowledge the chunks this often (also after every 64 chunks of a source)' },
  { key: 'idle_close_seconds', type: 'number', default: 5, scope: 'general', min: 0, max: 3600, doc: 'Segmenter: close a file once its split boundary passed this long ago and no audio arrived for this long (a capture that stopped)' },
];
