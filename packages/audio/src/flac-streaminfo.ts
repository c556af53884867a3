import { FLAC_STREAMINFO_OFFSET, readStreamInfo } from './flac-reader.ts';

/**
 * FLAC STREAMINFO patching (https://xiph.org/flac/format.html#metadata_block_streaminfo), pure: the writer's side
 * of flac-reader.ts. A FLAC file written by ISR starts with `fLaC` and STREAMINFO as its first metadata block, so
 * the 36-bit total-samples field and the MD5 sit at fixed offsets. Used to repair a file a crash left open.
 */

/** Sets total samples and clears the MD5 (0 = "unknown", which decoders accept) in the first 42 bytes. */
export function patchStreamInfo(head: Buffer, totalSamples: number): void {
  readStreamInfo(head);
  const b = FLAC_STREAMINFO_OFFSET + 10;
  head[b + 3] = (head[b + 3]! & 0xf0) | (Math.floor(totalSamples / 2 ** 32) & 0x0f);
  head.writeUInt32BE(totalSamples % 2 ** 32, b + 4);
  head.fill(0, FLAC_STREAMINFO_OFFSET + 18, FLAC_STREAMINFO_OFFSET + 34);
}
