import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkFramesFor, FrameChunker } from '../src/frame-chunker.ts';

function pcm(frames: number, channels: number): Buffer {
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < b.length / 2; i++) b.writeUInt16LE(i & 0xffff, i * 2);
  return b;
}

function cutEvery(b: Buffer, sizes: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < b.length;) {
    const n = Math.max(1, sizes());
    out.push(b.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 5000) + 1;

const chunkings: [string, (b: Buffer) => Buffer[]][] = [
  ['whole', (b) => [b]],
  ['1 byte', (b) => cutEvery(b, () => 1)],
  ['997 bytes', (b) => cutEvery(b, () => 997)],
  ['random', (b) => cutEvery(b, random)],
];

for (const channels of [1, 2]) {
  for (const [name, cut] of chunkings) {
    test(`${channels} ch, ${name}: exact chunks of 800 frames, contiguous offsets, nothing lost`, () => {
      const input = pcm(800 * 7 + 123, channels);
      const ch = new FrameChunker(800, channels);
      const chunks = cut(input).flatMap((p) => ch.push(p));
      assert.equal(chunks.length, 7);
      chunks.forEach((c, i) => {
        assert.equal(c.frames, 800);
        assert.equal(c.offset, i * 800);
        assert.equal(c.data.length, 800 * channels * 2);
      });
      const { chunk: last, droppedBytes } = ch.flush();
      assert.equal(droppedBytes, 0);
      assert.deepEqual([last!.offset, last!.frames], [5600, 123]);
      assert.ok(Buffer.concat([...chunks.map((c) => c.data), last!.data]).equals(input));
      assert.equal(ch.framesEmitted, 5723);
    });
  }
}

test('a partial frame at the end is dropped and reported, never emitted', () => {
  const ch = new FrameChunker(10, 2);
  assert.deepEqual(ch.push(Buffer.alloc(4 * 3 + 3)), []);
  const { chunk, droppedBytes } = ch.flush();
  assert.equal(chunk!.frames, 3);
  assert.equal(droppedBytes, 3);
});

test('chunks do not share memory with the pushed buffer', () => {
  const ch = new FrameChunker(2, 1);
  const b = Buffer.from([1, 0, 2, 0]);
  const [c] = ch.push(b);
  b.fill(9);
  assert.deepEqual([...c!.data], [1, 0, 2, 0]);
});

test('chunk length from chunk_ms', () => {
  assert.equal(chunkFramesFor(48000, 100), 4800);
  assert.equal(chunkFramesFor(44100, 100), 4410);
  assert.equal(chunkFramesFor(8000, 10), 80);
});
