// RIFF/WAVE files built chunk by chunk, for the tests of WAV readers: chunks in any order, sizes that lie.

/** One chunk: id, size (`declared`, the body's length unless told), body and the pad byte of an odd body. */
export function riffChunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(Buffer.from(id, 'latin1'));
  new DataView(out.buffer).setUint32(4, declared, true);
  out.set(body, 8);
  return out;
}

/** The 16-byte body of a `fmt ` chunk (format tag 1 = integer PCM unless told). */
export function fmtBody(channels: number, rate: number, bits: number, tag = 1): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

/** A `RIFF` (or `kind`: `RF64`, anything) … `WAVE` file of these chunks, its RIFF size counting them. */
export function riffWave(chunks: Uint8Array[], kind = 'RIFF'): Buffer {
  const body = Buffer.concat(chunks);
  const head = Buffer.from(kind + '    WAVE', 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([head, body]);
}
