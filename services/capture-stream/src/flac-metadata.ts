import { StreamContentError } from './errors.ts';

/**
 * The `fLaC` marker and metadata blocks at the start of a native FLAC stream (RFC 9639 §8: each block has a
 * 4-byte header — last-block flag, 7-bit type, 24-bit length). Returns the header bytes once the last block is
 * complete, null while more bytes are needed. Throws when the stream does not start with `fLaC` + STREAMINFO.
 */
export function flacMetadataLength(b: Uint8Array): number | null {
  if (b.length < 4) return null;
  if (b[0] !== 0x66 || b[1] !== 0x4c || b[2] !== 0x61 || b[3] !== 0x43) throw new StreamContentError('FLAC stream does not start with "fLaC"');
  let at = 4;
  for (let first = true; ; first = false) {
    if (b.length < at + 4) return null;
    const type = b[at]! & 0x7f;
    if (first && type !== 0) throw new StreamContentError('FLAC stream: first metadata block is not STREAMINFO');
    const last = (b[at]! & 0x80) !== 0;
    const len = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    at += 4 + len;
    if (b.length < at) return null;
    if (last) return at;
  }
}
