import { IsrError } from '@isr/contract';

/**
 * FLAC STREAMINFO patching (https://xiph.org/flac/format.html#metadata_block_streaminfo), pure.
 * A FLAC file written by ISR starts with `fLaC` and STREAMINFO as its first metadata block, so the
 * 36-bit total-samples field and the MD5 sit at fixed offsets. Used to repair a file a crash left open.
 */
export class FlacHeaderError extends IsrError {
  constructor(message: string) {
    super('ISR_FLAC_HEADER', message);
  }
}

/** File offset of STREAMINFO's body. */
const SI = 8;
/** Bytes to read to patch STREAMINFO. */
export const FLAC_STREAMINFO_END = SI + 34;

export interface StreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  totalSamples: number;
  md5: Buffer;
}

export function readStreamInfo(head: Buffer): StreamInfo {
  if (head.length < FLAC_STREAMINFO_END || head.toString('latin1', 0, 4) !== 'fLaC' || (head[4]! & 0x7f) !== 0) {
    throw new FlacHeaderError('not a FLAC file starting with STREAMINFO');
  }
  const b = SI + 10;
  const sampleRate = (head[b]! << 12) | (head[b + 1]! << 4) | (head[b + 2]! >> 4);
  const channels = ((head[b + 2]! >> 1) & 0x7) + 1;
  const bitsPerSample = (((head[b + 2]! & 1) << 4) | (head[b + 3]! >> 4)) + 1;
  const totalSamples = (head[b + 3]! & 0x0f) * 2 ** 32 + head.readUInt32BE(b + 4);
  return { sampleRate, channels, bitsPerSample, totalSamples, md5: head.subarray(SI + 18, SI + 34) };
}

/** Sets total samples and clears the MD5 (0 = "unknown", which decoders accept) in the first 42 bytes. */
export function patchStreamInfo(head: Buffer, totalSamples: number): void {
  readStreamInfo(head);
  const b = SI + 10;
  head[b + 3] = (head[b + 3]! & 0xf0) | Math.floor(totalSamples / 2 ** 32) & 0x0f;
  head.writeUInt32BE(totalSamples % 2 ** 32, b + 4);
  head.fill(0, SI + 18, SI + 34);
}
