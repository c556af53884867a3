import { FlacHeaderError, parseWavHeader as parseWav, readStreamInfo, WavHeaderError, type ParsedWav, type StreamInfo } from '@isr/audio';

/** What web needs from a WAV header: the PCM format and where the sample data starts. Pure. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** Byte offset of the first sample (just after the `data` chunk header). */
  dataOffset: number;
  /** The data chunk size the header claims (may be stale or 0/0xFFFFFFFF while recording). */
  declaredDataBytes: number;
}

/** Parses the RIFF/WAVE header from the first bytes of a file (64 KiB is plenty); null when not a WAV. */
export function parseWavHeader(head: Uint8Array): WavInfo | null {
  let wav: ParsedWav;
  try {
    wav = parseWav(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
  } catch (err) {
    if (err instanceof WavHeaderError) return null;
    throw err;
  }
  const { sampleRate, channels, bitsPerSample } = wav.format;
  const blockAlign = (channels * bitsPerSample) / 8;
  if (!Number.isInteger(blockAlign) || blockAlign === 0 || sampleRate === 0) return null;
  return { sampleRate, channels, bitsPerSample, blockAlign, dataOffset: wav.dataOffset, declaredDataBytes: wav.dataBytes };
}

/** Whole sample frames of data in a file of `fileSize` bytes. */
export function wavFramesOnDisk(info: WavInfo, fileSize: number): number {
  return Math.max(0, Math.floor((fileSize - info.dataOffset) / info.blockAlign));
}

/**
 * A copy of the header bytes (0 … dataOffset) with the RIFF and data sizes set for a file that is now
 * `fileSize` bytes long, so a browser plays a WAV that is still being written up to its current end.
 */
export function patchWavHeader(head: Uint8Array, info: WavInfo, fileSize: number): Buffer {
  const out = Buffer.from(head.subarray(0, info.dataOffset));
  const dataBytes = wavFramesOnDisk(info, fileSize) * info.blockAlign;
  out.writeUInt32LE(Math.min(0xffffffff, info.dataOffset + dataBytes - 8), 4);
  out.writeUInt32LE(Math.min(0xffffffff, dataBytes), info.dataOffset - 4);
  return out;
}

/** A canonical 44-byte PCM WAV header for `frames` frames. */
export function buildWavHeader(opts: { sampleRate: number; channels: number; bitsPerSample: number; frames: number }): Buffer {
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

/** FLAC STREAMINFO (@isr/audio's reader), or null when the bytes are not a FLAC file starting with it. */
export function parseFlacStreamInfo(head: Uint8Array): StreamInfo | null {
  try {
    return readStreamInfo(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
  } catch (err) {
    if (err instanceof FlacHeaderError) return null;
    throw err;
  }
}
