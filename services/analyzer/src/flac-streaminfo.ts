/**
 * Total samples from a native FLAC file's STREAMINFO (the first metadata block): `fLaC`, a 4-byte block header,
 * then 34 bytes of which bits 144…179 are the 36-bit sample count (0 = unknown). https://xiph.org/flac/format.html
 * ffmpeg's FLAC parser silently skips frames it cannot decode, so comparing the decoded count with this is how a
 * corrupt FLAC is noticed. Returns null when the header is not there.
 */
export function flacTotalSamples(head: Uint8Array): number | null {
  if (head.length < 42 || String.fromCharCode(...head.subarray(0, 4)) !== 'fLaC' || (head[4]! & 0x7f) !== 0) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const word = dv.getBigUint64(18, false);
  return Number(word & 0xfffffffffn);
}
