/**
 * FLAC audio frames (https://xiph.org/flac/format.html#frame_header): a fixed-blocksize frame carries its frame
 * number, a variable-blocksize one its first sample number, both "UTF-8" coded in the header, which is protected by
 * a CRC-8; the whole frame by a CRC-16. Finding whole frames in bytes read from anywhere (the web's clip seek, the
 * segmenter's recovery) and renumbering them, so that the frames of a second libFLAC encoder can continue a stream
 * another encoder started (the segmenter). Pure functions over bytes.
 */

import { FlacFrameError } from './errors.ts';

function crc8(b: Uint8Array, end: number): number {
  let c = 0;
  for (let i = 0; i < end; i++) {
    c ^= b[i]!;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

function crc16(b: Uint8Array, end: number): number {
  let c = 0;
  for (let i = 0; i < end; i++) {
    c ^= b[i]! << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** The coded number's bytes (1–7) for a value of up to 36 bits. */
export function encodeFrameNumber(v: number): number[] {
  if (v < 0x80) return [v];
  const n = v < 0x800 ? 2 : v < 0x10000 ? 3 : v < 0x200000 ? 4 : v < 0x4000000 ? 5 : v < 0x80000000 ? 6 : 7;
  const out: number[] = [];
  let rest = v;
  for (let i = 0; i < n - 1; i++) {
    out.unshift(0x80 | (rest % 64));
    rest = Math.floor(rest / 64);
  }
  const lead = n === 7 ? 0xfe : (0xff << (8 - n)) & 0xff;
  out.unshift(lead | rest);
  return out;
}

/** Decodes the coded number at `pos`: its value and length in bytes. */
function decodeFrameNumber(b: Uint8Array, pos: number): { value: number; length: number } {
  const first = b[pos]!;
  if (first < 0x80) return { value: first, length: 1 };
  let n = 0;
  while (n < 8 && first & (0x80 >> n)) n++;
  if (n < 2 || n > 7) throw new FlacFrameError(`bad coded frame number at byte ${pos}`);
  let value = n === 7 ? 0 : first & (0xff >> (n + 1));
  for (let i = 1; i < n; i++) value = value * 64 + (b[pos + i]! & 0x3f);
  return { value, length: n };
}

/** Where a frame sits in its stream: a fixed-blocksize frame's number counts frames, a variable one's samples. */
export interface FlacFrameHeader {
  fixed: boolean;
  number: number;
}

/**
 * The header's fields from the frame at `pos` on: its number, the coded number's length and the header's length
 * up to its CRC-8 byte (the optional block size and sample rate bytes after the number included).
 */
function headerLayout(b: Uint8Array, pos: number): { value: number; length: number; crcAt: number } {
  const { value, length } = decodeFrameNumber(b, pos + 4);
  const bsCode = b[pos + 2]! >> 4;
  const srCode = b[pos + 2]! & 0x0f;
  const extra =
    (bsCode === 6 ? 1 : bsCode === 7 ? 2 : 0) + (srCode === 12 ? 1 : srCode === 13 || srCode === 14 ? 2 : 0);
  return { value, length, crcAt: 4 + length + extra };
}

/** The frame header (sync code, valid CRC-8) that starts at `pos`, or null. */
export function flacFrameHeader(b: Uint8Array, pos: number): FlacFrameHeader | null {
  if (pos + 6 > b.length || b[pos] !== 0xff || (b[pos + 1]! & 0xfe) !== 0xf8) return null;
  try {
    const { value, crcAt } = headerLayout(b, pos);
    if (pos + crcAt >= b.length || crc8(b.subarray(pos), crcAt) !== b[pos + crcAt]) return null;
    return { fixed: b[pos + 1] === 0xf8, number: value };
  } catch {
    return null;
  }
}

/** Whether a frame header (sync code, valid CRC-8) starts at `pos`. */
export function flacFrameHeaderAt(b: Uint8Array, pos: number): boolean {
  return flacFrameHeader(b, pos) !== null;
}

/**
 * The first whole frame in `buf` (read from anywhere in a FLAC stream): a valid header whose frame ends, by its
 * CRC-16, where the next valid header begins — a sync code with a matching CRC-8 inside compressed audio is
 * possible, both checks together are not. Its offset in `buf` and its header; null when no whole frame is in it. Pure.
 */
export function firstFlacFrameIn(buf: Uint8Array): (FlacFrameHeader & { pos: number }) | null {
  for (let pos = 0; pos + 6 <= buf.length; pos++) {
    if (buf[pos] !== 0xff) continue;
    const header = flacFrameHeader(buf, pos);
    if (!header) continue;
    const end = flacFrameEnd(buf, pos);
    if (end > 0 && end < buf.length) return { ...header, pos };
  }
  return null;
}

/**
 * Where the frame whose header is at `pos` ends: at the next valid header (or the end of `b`) where its CRC-16
 * holds; -1 when that is not in `b`.
 */
function flacFrameEnd(b: Uint8Array, pos: number): number {
  for (let p = pos + 6; p <= b.length; p++)
    if ((p === b.length || flacFrameHeaderAt(b, p)) && crc16(b.subarray(pos, p), p - pos) === 0) return p;
  return -1;
}

/**
 * The end offsets of the whole frames from `start` on (each checked by its CRC-16); a torn last frame is not
 * counted. A frame ends where the next valid header begins and its own CRC-16 holds.
 */
export function flacFrameEnds(b: Uint8Array, start: number): number[] {
  const ends: number[] = [];
  let pos = start;
  while (flacFrameHeaderAt(b, pos)) {
    const next = flacFrameEnd(b, pos);
    if (next < 0) break;
    ends.push(next);
    pos = next;
  }
  return ends;
}

/** Whether the frame is of a fixed-blocksize stream (its number counts frames, not samples). */
export function isFixedBlocksizeFrame(frame: Uint8Array): boolean {
  return frame[0] === 0xff && frame[1] === 0xf8;
}

/**
 * The frame with `add` added to its number (frames for a fixed-blocksize stream, samples for a variable
 * one), its CRC-8 and CRC-16 recomputed. The frame must be whole: exactly what libFLAC's write callback gives.
 */
export function renumberFlacFrame(frame: Uint8Array, add: number): Uint8Array {
  if (frame.length < 8 || frame[0] !== 0xff || (frame[1]! & 0xfe) !== 0xf8)
    throw new FlacFrameError('not a FLAC frame (no sync code)');
  const { value, length, crcAt: oldHeaderEnd } = headerLayout(frame, 0); // the CRC-8 byte follows
  if (crc8(frame, oldHeaderEnd) !== frame[oldHeaderEnd]) throw new FlacFrameError('FLAC frame header CRC-8 mismatch');
  const extra = oldHeaderEnd - 4 - length;
  const coded = encodeFrameNumber(value + add);
  const body = frame.subarray(oldHeaderEnd + 1, frame.length - 2);
  const out = new Uint8Array(4 + coded.length + extra + 1 + body.length + 2);
  out.set(frame.subarray(0, 4), 0);
  out.set(coded, 4);
  out.set(frame.subarray(4 + length, oldHeaderEnd), 4 + coded.length);
  const headerEnd = 4 + coded.length + extra;
  out[headerEnd] = crc8(out, headerEnd);
  out.set(body, headerEnd + 1);
  const c = crc16(out, out.length - 2);
  out[out.length - 2] = c >> 8;
  out[out.length - 1] = c & 0xff;
  return out;
}
