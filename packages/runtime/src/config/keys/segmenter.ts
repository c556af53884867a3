import type { KeySpec } from '../spec.ts';

/** Keys of the segmenter. */
export const segmenterKeys: readonly KeySpec[] = [
  { key: 'header_rewrite_seconds', type: 'number', default: 10, scope: 'general', min: 1, doc: 'Rewrite WAV/FLAC headers and fsync open files this often, so a crash leaves a playable file' },
  { key: 'status_interval_seconds', type: 'number', default: 2, scope: 'general', min: 0.5, doc: 'Write <output_directory>/status.json and KV isr_status this often' },
];
