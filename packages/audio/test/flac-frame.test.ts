import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@isr/testkit';
import { FlacFrameError } from '../src/errors.ts';
import {
  encodeFrameNumber,
  firstFlacFrameIn,
  flacFrameHeader,
  isFixedBlocksizeFrame,
  renumberFlacFrame,
} from '../src/flac-frame.ts';

test('frame numbers are coded like UTF-8 (1 to 6 bytes), and 36-bit sample numbers in 7', () => {
  for (const v of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff]) {
    assert.deepEqual(encodeFrameNumber(v), [...Buffer.from(String.fromCodePoint(v), 'utf8')], `0x${v.toString(16)}`);
  }
  assert.deepEqual(encodeFrameNumber(0x7fffffff), [0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
  assert.deepEqual(encodeFrameNumber(2 ** 36 - 1), [0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
});

/** A frame header (sync code and CRC-8) starts here: renumbering by 0 checks exactly that. */
function headerValid(b: Buffer): boolean {
  try {
    renumberFlacFrame(b, 0);
    return true;
  } catch {
    return false;
  }
}

test('renumbered frames carry their new numbers with valid CRCs: a stream whose second half was renumbered passes flac -t and decodes', async () => {
  const tmp = await tempDir('isr-flac-frame-');
  try {
    // Two identical encodes of 8 blocks: the second's frames renumbered by 8 continue the first.
    const raw = Buffer.alloc(4096 * 8 * 2);
    for (let i = 0; i < raw.length / 2; i++) raw.writeInt16LE(Math.round(8000 * Math.sin(i / 20)), i * 2);
    writeFileSync(join(tmp.path, 'in.raw'), raw);
    execFileSync('flac', [
      '-s',
      '-f',
      '--force-raw-format',
      '--endian=little',
      '--sign=signed',
      '--channels=1',
      '--bps=16',
      '--sample-rate=16000',
      '--blocksize=4096',
      '--no-seektable',
      '--no-padding',
      '-o',
      join(tmp.path, 'a.flac'),
      join(tmp.path, 'in.raw'),
    ]);
    const a = readFileSync(join(tmp.path, 'a.flac'));
    // Metadata ends after the last block (flag 0x80); frames follow, each starting with a sync code and a valid header CRC-8.
    let pos = 4;
    for (;;) {
      const last = a[pos]! & 0x80;
      pos += 4 + a.readUIntBE(pos + 1, 3);
      if (last) break;
    }
    const frames: Buffer[] = [];
    let start = pos;
    for (let p = pos + 2; p <= a.length; p++) {
      if (p === a.length || (a[p] === 0xff && a[p + 1] === 0xf8 && headerValid(a.subarray(p, p + 16)))) {
        frames.push(a.subarray(start, p));
        start = p;
      }
    }
    assert.equal(frames.length, 8);
    assert.ok(frames.every(isFixedBlocksizeFrame));
    const renumbered = frames.map((f) => renumberFlacFrame(f, 8));
    assert.deepEqual(
      frames.map((f) => f[4]),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      renumbered.map((f) => f[4]),
      [8, 9, 10, 11, 12, 13, 14, 15],
      'frame numbers continue',
    );
    assert.deepEqual(
      [...renumberFlacFrame(frames[3]!, 200).subarray(4, 6)],
      [0xc3, 0x8b],
      'a number of 203 takes two bytes',
    );
    const out = Buffer.concat([a.subarray(0, pos), ...frames, ...renumbered]);
    // STREAMINFO total: 16 blocks now; MD5 zero (unknown).
    out.writeUInt32BE(4096 * 16, 8 + 14);
    out.fill(0, 8 + 18, 8 + 34);
    writeFileSync(join(tmp.path, 'b.flac'), out);
    execFileSync('flac', ['-t', '-s', join(tmp.path, 'b.flac')]);
    const decoded = execFileSync(
      'flac',
      ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', join(tmp.path, 'b.flac')],
      { maxBuffer: 1 << 24 },
    );
    assert.ok(decoded.equals(Buffer.concat([raw, raw])));
    assert.throws(() => renumberFlacFrame(Buffer.from('not a frame'), 1), FlacFrameError);

    // Read from anywhere: the first whole frame after the point, with its number; none in a piece without one.
    const starts = frames.map((f) => f.byteOffset - a.byteOffset);
    for (const [i, at] of [
      [0, starts[0]!],
      [3, starts[2]! + 1],
      [3, starts[3]!],
    ] as const) {
      assert.deepEqual(
        firstFlacFrameIn(a.subarray(at)),
        { fixed: true, number: i, pos: starts[i]! - at },
        `from ${at}`,
      );
    }
    assert.equal(firstFlacFrameIn(a.subarray(starts[6]! + 1)), null, 'the last frame ends the piece: not known whole');
    // A sync code with a valid CRC-8 planted inside a frame's audio is passed over: the frame's CRC-16 is not there.
    const planted = Buffer.from(a);
    const fake = renumberFlacFrame(frames[5]!, 0x33 - 5).subarray(0, 6); // sync, codes, number 0x33, CRC-8
    planted.set(fake, starts[4]! + 100);
    assert.deepEqual(
      flacFrameHeader(planted, starts[4]! + 100),
      { fixed: true, number: 0x33 },
      'a header by its CRC-8',
    );
    assert.deepEqual(firstFlacFrameIn(planted.subarray(starts[4]! + 50)), {
      fixed: true,
      number: 5,
      pos: starts[5]! - starts[4]! - 50,
    });
  } finally {
    await tmp.remove();
  }
});
