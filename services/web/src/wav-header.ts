import {
  FlacHeaderError,
  readStreamInfo,
  readWavHeader,
  readWavLayout,
  WavHeaderError,
  type ReadAt,
  type StreamInfo,
  type WavLayout,
} from '@isr/audio';

/**
 * What web reads from a recording's first bytes, through @isr/audio's readers: null when the bytes are not that
 * format or do not reach its audio (web then serves the file as it is and shows no format), and the 44-byte
 * header web writes in front of a WAV clip.
 */

/** The WAV/RF64 layout from the first bytes of a file, or null when they are no WAV or end before its data chunk. */
export function wavLayoutOf(head: Uint8Array): WavLayout | null {
  try {
    const step = readWavHeader(head);
    return step.kind === 'layout' ? step.layout : null;
  } catch (err) {
    if (err instanceof WavHeaderError) return null;
    throw err;
  }
}

/**
 * The WAV/RF64 layout of a file of `size` bytes read through `read` (its first 4 KiB, then further chunk headers
 * only when the header is longer), or null when it is no WAV.
 */
export async function wavLayoutAt(read: ReadAt, size: number): Promise<WavLayout | null> {
  try {
    return await readWavLayout(read, size);
  } catch (err) {
    if (err instanceof WavHeaderError) return null;
    throw err;
  }
}

/** FLAC STREAMINFO, or null when the bytes are not a FLAC file starting with it. */
export function flacStreamInfoOf(head: Uint8Array): StreamInfo | null {
  try {
    return readStreamInfo(head);
  } catch (err) {
    if (err instanceof FlacHeaderError) return null;
    throw err;
  }
}

/** A canonical 44-byte PCM WAV header for `frames` frames. */
export function buildWavHeader(opts: {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  frames: number;
}): Buffer {
  const blockAlign = (opts.channels * opts.bitsPerSample) / 8;
  const dataBytes = opts.frames * blockAlign;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(opts.channels, 22);
  h.writeUInt32LE(opts.sampleRate, 24);
  h.writeUInt32LE(opts.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(opts.bitsPerSample, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
