import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fmtBody as fmt, riffChunk as chunk, riffWave as riff } from '@isr/testkit';
import { decodeWav } from '../src/decode-wav.ts';
import { AnalysisError } from '../src/errors.ts';
import { PcmDecoder } from '../src/pcm-decoder.ts';

const pcm16 = (frames: number, channels: number) => {
  const b = new Uint8Array(frames * channels * 2);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < frames * channels; i++) dv.setInt16(i * 2, ((i * 37) % 2000) - 1000, true);
  return b;
};

const dir = mkdtempSync(join(tmpdir(), 'isr-decode-wav-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function decode(
  bytes: Uint8Array,
): Promise<{ frames: number; samples: number[]; warnings: string[]; codec: string }> {
  const path = join(dir, `${n++}.wav`);
  writeFileSync(path, bytes);
  const d = await decodeWav(path);
  const samples: number[] = [];
  let frames = 0;
  for await (const b of d.blocks) {
    frames += b.frames;
    for (let i = 0; i < b.frames * d.channels; i++) samples.push(b.samples[i]!);
  }
  return { frames, samples, warnings: d.warnings, codec: d.codec };
}

test('decodes the data chunk wherever the chunks put it, and no trailing chunk as audio', async () => {
  const audio = pcm16(100, 2);
  const bytes = riff([
    chunk('bext', new Uint8Array(603)),
    chunk('LIST', new Uint8Array(10)),
    chunk('fmt ', fmt(2, 48000, 16)),
    chunk('data', audio),
    chunk('LIST', new Uint8Array(4)),
  ]);
  const d = await decode(bytes);
  assert.deepEqual([d.frames, d.warnings, d.codec], [100, [], 'pcm_s16le']);
  assert.equal(Math.round(d.samples[1]! * 32768), 37 - 1000);
});

test('what a crash leaves: a data size of 0, beyond the file or smaller than the audio is read to the end, with warnings', async () => {
  const zero = await decode(riff([chunk('fmt ', fmt(1, 8000, 16)), chunk('data', pcm16(50, 1), 0)]));
  assert.equal(zero.frames, 50);
  assert.match(zero.warnings[0]!, /not finalised/);
  const full = riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', pcm16(100, 2))]);
  const cut = await decode(full.subarray(0, full.length - 101));
  assert.equal(cut.frames, 100 - 26);
  assert.ok(cut.warnings.some((w) => /truncated/.test(w)) && cut.warnings.some((w) => /partial frame/.test(w)));
  const stale = await decode(riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', pcm16(200, 2), 400)]));
  assert.equal(stale.frames, 200);
  assert.ok(stale.warnings.some((w) => /continues to the end/.test(w)));
});

test('RF64 takes the data size from ds64', async () => {
  const audio = pcm16(10, 2);
  const ds64 = new Uint8Array(28);
  new DataView(ds64.buffer).setBigUint64(8, BigInt(audio.length), true);
  const d = await decode(
    riff([chunk('ds64', ds64), chunk('fmt ', fmt(2, 8000, 16)), chunk('data', audio, 0xffffffff)], 'RF64'),
  );
  assert.deepEqual([d.frames, d.warnings], [10, []]);
});

test("the WAV reader's errors become the analyzer's codes", async () => {
  const bad = async (bytes: Uint8Array, code: string) =>
    assert.rejects(decode(bytes), (e: unknown) => e instanceof AnalysisError && e.code === code);
  await bad(new Uint8Array(0), 'EMPTY_FILE');
  await bad(Buffer.from('RIFF'), 'WAV_TRUNCATED');
  await bad(Buffer.from('OggS0000WAVExxxxxxxx'), 'WAV_INVALID');
  await bad(riff([chunk('fmt ', fmt(2, 8000, 16))]), 'WAV_TRUNCATED');
  await bad(riff([chunk('fmt ', fmt(2, 8000, 4, 2)), chunk('data', new Uint8Array(8))]), 'WAV_UNSUPPORTED');
  await bad(riff([chunk('data', new Uint8Array(8))]), 'WAV_INVALID');
});

test('PCM decoding gives the same samples whole, in 1-byte, 997-byte and random chunks', () => {
  for (const [format, bits] of [
    ['s16', 16],
    ['s24', 24],
    ['s32', 32],
    ['u8', 8],
    ['f32', 32],
  ] as const) {
    const channels = 2;
    const frames = 3000;
    const bytes = new Uint8Array((frames * channels * bits) / 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    if (format === 'f32') new Float32Array(bytes.buffer).forEach((_, i, a) => (a[i] = Math.sin(i)));
    const decodeAll = (sizes: () => number) => {
      const d = new PcmDecoder(format, channels);
      const out: number[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = Math.min(bytes.length - at, sizes());
        const r = d.decode(bytes.subarray(at, at + n));
        for (let i = 0; i < r.frames * channels; i++) out.push(r.samples[i]!);
        at += n;
      }
      assert.equal(d.pendingBytes, 0);
      return out;
    };
    const whole = decodeAll(() => bytes.length);
    assert.equal(whole.length, frames * channels);
    assert.ok(
      whole.every((v) => v >= -1 && v < 1),
      format,
    );
    let seed = 3;
    for (const sizes of [() => 1, () => 997, () => ((seed = (seed * 48271) % 2147483647) % 5000) + 1])
      assert.deepEqual(decodeAll(sizes), whole, format);
  }
});
