import { oggPageLength } from '@isr/audio';

/**
 * Length checks for the unit codec-parser hands back at flush (it may be cut short by the end of the
 * connection): Ogg pages, ADTS frames and MPEG audio frames carry enough to tell. (FLAC frames do not.)
 */

/**
 * Whether `raw` is exactly one whole Ogg page: `OggS`, header of 27 + segment-count bytes, body = sum of the
 * segment table (RFC 3533 §6). codec-parser hands back a truncated page at flush; this tells them apart.
 */
export function isWholeOggPage(raw: Uint8Array): boolean {
  return (
    raw.length >= 4 &&
    raw[0] === 0x4f &&
    raw[1] === 0x67 &&
    raw[2] === 0x67 &&
    raw[3] === 0x53 &&
    oggPageLength(raw) === raw.length
  );
}

/** ADTS frame length field (13 bits at bit 30): whether `raw` is exactly one whole ADTS frame. */
export function isWholeAdtsFrame(raw: Uint8Array): boolean {
  if (raw.length < 7 || raw[0] !== 0xff || (raw[1]! & 0xf6) !== 0xf0) return false;
  const len = ((raw[3]! & 0x03) << 11) | (raw[4]! << 3) | (raw[5]! >> 5);
  return raw.length === len;
}

// ISO/IEC 11172-3 / 13818-3 bitrate tables in kbit/s, by [MPEG-1?][layer I, II, III].
const BITRATES: Record<'v1' | 'v2', [number[], number[], number[]]> = {
  v1: [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  v2: [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
};
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the MPEG audio frame whose header starts `raw`, or null (free format, invalid header). */
export function mpegFrameLength(raw: Uint8Array): number | null {
  if (raw.length < 4 || raw[0] !== 0xff || (raw[1]! & 0xe0) !== 0xe0) return null;
  const version = (raw[1]! >> 3) & 3;
  const layerBits = (raw[1]! >> 1) & 3;
  const brIndex = raw[2]! >> 4;
  const srIndex = (raw[2]! >> 2) & 3;
  const padding = (raw[2]! >> 1) & 1;
  const rates = RATES[version];
  if (!rates || layerBits === 0 || brIndex === 0 || brIndex === 15 || srIndex === 3) return null;
  const layer = 4 - layerBits; // 1, 2, 3
  const kbps = BITRATES[version === 3 ? 'v1' : 'v2'][layer - 1]![brIndex]!;
  const sr = rates[srIndex]!;
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / sr) + padding) * 4;
  const factor = layer === 3 && version !== 3 ? 72 : 144;
  return Math.floor((factor * kbps * 1000) / sr) + padding;
}

/** Whether `raw` is exactly one whole MPEG audio frame. */
export function isWholeMpegFrame(raw: Uint8Array): boolean {
  return mpegFrameLength(raw) === raw.length;
}
