import type { KeySpec } from '../spec.ts';

/** Keys of `type = soundcard` sections (capture-alsa) and PCM file output (segmenter); the PCM ones apply to `type = tone` too. */
export const soundcardKeys: readonly KeySpec[] = [
  { key: 'device', type: 'string', default: 'default', scope: 'source', types: ['soundcard'], doc: 'ALSA device: default, monitor, hw:X,Y, plughw:X,Y, a PCM name from arecord -L, or part of a card name' },
  { key: 'sample_rate', type: 'integer', default: 48000, scope: 'inherited', types: ['soundcard', 'tone'], min: 8000, max: 384000, doc: 'Capture (or tone) sample rate in Hz' },
  { key: 'channels', type: 'integer', default: 2, scope: 'inherited', types: ['soundcard', 'tone'], min: 1, max: 32, doc: 'Capture (or tone) channels' },
  { key: 'format', type: 'enum', default: 'wav', values: ['wav', 'flac'], scope: 'inherited', types: ['soundcard', 'tone'], doc: 'File format for PCM sources' },
  { key: 'flac_compression', type: 'integer', default: 5, scope: 'inherited', types: ['soundcard', 'tone'], min: 0, max: 8, doc: 'FLAC compression level (0 fastest … 8 smallest)' },
  { key: 'arecord_path', type: 'string', default: 'arecord', scope: 'general', env: 'ISR_ARECORD', doc: 'arecord binary (path or name on PATH)' },
  { key: 'arecord_stall_seconds', type: 'number', default: 5, scope: 'inherited', types: ['soundcard'], min: 1, max: 600, doc: 'Restart arecord (new session, gap recorded) when it delivers no audio for this long' },
  { key: 'chunk_ms', type: 'integer', default: 100, scope: 'inherited', types: ['soundcard', 'tone'], min: 10, max: 1000, doc: 'PCM chunk length published to the bus' },
];
