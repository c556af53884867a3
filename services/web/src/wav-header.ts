import { parseWavHeader as parseWav, WavHeaderError, type ParsedWav } from '@isr/audio';

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

/** FLAC STREAMINFO: sample rate, channels and total samples (0 = unknown), or null when not FLAC. */
export function parseFlacStreamInfo(head: Uint8Array): { sampleRate: number; channels: number; totalSamples: number } | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length < 42 || b.toString('latin1', 0, 4) !== 'fLaC' || (b[4]! & 0x7f) !== 0) return null;
  const si = 8;
  const sampleRate = (b[si + 10]! << 12) | (b[si + 11]! << 4) | (b[si + 12]! >> 4);
  const channels = ((b[si + 12]! >> 1) & 0x7) + 1;
  const totalSamples = (b[si + 13]! & 0x0f) * 2 ** 32 + b.readUInt32BE(si + 14);
  return { sampleRate, channels, totalSamples };
}
