import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AudioErrorCodes,
  buildWavHeader,
  parseWavHeader,
  readWavHeader,
  readWavLayout,
  wavDataEnd,
  wavDataExtent,
  wavHeaderForSize,
  WavHeaderError,
  WavHeaderReader,
  type WavLayout,
} from '@isr/audio';
import { fmtBody as fmt, riffChunk as chunk, riffWave as riff, soxSynth } from '@isr/testkit';
import { thrownCode } from './thrown-code.ts';

const dir = mkdtempSync(join(tmpdir(), 'isr-wav-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Fixtures made by sox and ffmpeg in the test (s16, extensible s24 and f32, RF64, BWF, A-law). */
const fixtures: Record<string, Buffer> = {};
const make = (name: string, args: string[]) => {
  const out = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  fixtures[name] = readFileSync(out);
};
before(() => {
  soxSynth(join(dir, 's16.wav'), { rate: 8000, channels: 1 }, 'synth 0.5 sine 440');
  fixtures['s16.wav'] = readFileSync(join(dir, 's16.wav'));
  soxSynth(join(dir, 's24.wav'), { rate: 48000, channels: 2, bits: 24 }, 'synth 0.1 sine 440');
  fixtures['s24.wav'] = readFileSync(join(dir, 's24.wav'));
  const sine = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.1:sample_rate=44100'];
  make('rf64.wav', [...sine, '-ac', '2', '-c:a', 'pcm_s16le', '-rf64', 'always']);
  make('bext.wav', [
    ...sine,
    '-c:a',
    'pcm_s16le',
    '-write_bext',
    '1',
    '-metadata',
    'time_reference=123456789012',
    '-metadata',
    'description=studio A',
    '-metadata',
    'origination_date=2026-11-24',
    '-metadata',
    'origination_time=06:00:00',
  ]);
  make('f32.wav', [...sine, '-c:a', 'pcm_f32le']);
  make('alaw.wav', [...sine, '-c:a', 'pcm_alaw']);
});

/** Feeds `bytes` to a fresh reader in pieces of the sizes `next()` gives (copied into one reused array when `reuse`). */
function feed(bytes: Uint8Array, next: () => number, reuse = false): { layout: WavLayout; pushes: number } {
  const r = new WavHeaderReader();
  const scratch = new Uint8Array(bytes.length);
  let pushes = 0;
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, next());
    const piece = reuse
      ? (scratch.set(bytes.subarray(at, at + n)), scratch.subarray(0, n))
      : bytes.subarray(at, at + n);
    const step = r.push(piece);
    if (reuse) scratch.fill(0xee);
    pushes++;
    at += n;
    if (step.kind === 'layout') return { layout: step.layout, pushes };
  }
  return { layout: r.end(), pushes };
}

function chunkings(): [string, () => number][] {
  let seed = 7;
  return [
    ['1-byte', () => 1],
    ['997-byte', () => 997],
    ['random', () => ((seed = (seed * 48271) % 2147483647) % 300) + 1],
  ];
}

test('files made by sox and ffmpeg: the same layout whole, in 1-byte, 997-byte and random pieces, and through readAt', async () => {
  const expect: Record<string, Partial<WavLayout>> = {
    's16.wav': {
      container: 'RIFF',
      sampleFormat: 's16',
      sampleRate: 8000,
      channels: 1,
      bitsPerSample: 16,
      blockAlign: 2,
      dataBytes: 8000,
    },
    's24.wav': {
      container: 'RIFF',
      formatTag: 1,
      sampleFormat: 's24',
      sampleRate: 48000,
      channels: 2,
      bitsPerSample: 24,
      blockAlign: 6,
      dataBytes: 4800 * 6,
    },
    'rf64.wav': {
      container: 'RF64',
      sampleFormat: 's16',
      sampleRate: 44100,
      channels: 2,
      blockAlign: 4,
      dataBytes: 4410 * 4,
    },
    'bext.wav': { container: 'RIFF', sampleFormat: 's16', sampleRate: 44100, channels: 1, dataBytes: 4410 * 2 },
    'f32.wav': {
      formatTag: 3,
      sampleFormat: 'f32',
      sampleRate: 44100,
      channels: 1,
      bitsPerSample: 32,
      blockAlign: 4,
      dataBytes: 4410 * 4,
    },
    'alaw.wav': { formatTag: 6, sampleFormat: null, bitsPerSample: 8, blockAlign: 1, dataBytes: 4410 },
  };
  for (const [name, want] of Object.entries(expect)) {
    const bytes = fixtures[name]!;
    const whole = parseWavHeader(bytes);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(whole[k as keyof WavLayout], v, `${name} ${k}`);
    assert.equal(whole.dataOffset + whole.dataBytes <= bytes.length, true, name);
    assert.equal(whole.chunks.at(-1), 'data', name);
    for (const [how, next] of chunkings()) assert.deepEqual(feed(bytes, next).layout, whole, `${name} ${how}`);
    assert.deepEqual(feed(bytes, () => 7, true).layout, whole, `${name}: 7-byte pieces in one reused array`);
    const reads: number[] = [];
    const viaReadAt = await readWavLayout(
      async (offset, length) => (reads.push(offset), bytes.subarray(offset, offset + length)),
      bytes.length,
      16,
    );
    assert.deepEqual(viaReadAt, whole, `${name} readAt`);
    assert.ok(
      reads.length <= whole.chunks.length * 2 + 1,
      `${name}: ${reads.length} reads for ${whole.chunks.length} chunks`,
    );
  }
});

test('RF64: sizes from ds64; BWF: bext fields and a 64-bit time reference', () => {
  const rf = parseWavHeader(fixtures['rf64.wav']!);
  assert.deepEqual(rf.chunks.slice(0, 2), ['ds64', 'fmt ']);
  assert.equal(rf.ds64?.dataBytes, 4410 * 4);
  assert.equal(rf.ds64?.sampleCount, 4410);
  assert.equal(rf.riffBytes, fixtures['rf64.wav']!.length - 8);
  const bw = parseWavHeader(fixtures['bext.wav']!);
  assert.equal(bw.bext?.timeReference, 123456789012);
  assert.equal(bw.bext?.description, 'studio A');
  assert.equal(bw.bext?.originationDate, '2026-11-24');
  assert.equal(bw.bext?.originationTime, '06:00:00');
  assert.equal(parseWavHeader(fixtures['s16.wav']!).bext, null);
});

test('truncated: "need" while the header is incomplete, then a typed error at the end', () => {
  for (const name of ['s16.wav', 'rf64.wav', 'bext.wav']) {
    const bytes = fixtures[name]!;
    const { dataOffset } = parseWavHeader(bytes);
    for (const cut of [0, 3, 11, 12, 20, dataOffset - 1]) {
      const step = readWavHeader(bytes.subarray(0, cut));
      assert.equal(step.kind, 'need', `${name} cut at ${cut}`);
      if (step.kind === 'need')
        assert.ok(step.offset + step.bytes > cut, `${name} cut at ${cut} asks for bytes it has`);
      assert.throws(
        () => parseWavHeader(bytes.subarray(0, cut)),
        (e: unknown) => e instanceof WavHeaderError && e.code === AudioErrorCodes.wavTruncated,
        `${name} cut at ${cut}`,
      );
    }
    assert.equal(
      readWavHeader(bytes.subarray(0, dataOffset)).kind,
      'layout',
      `${name}: the data chunk header is enough`,
    );
  }
});

test('garbage: not a WAV as soon as the first bytes say so; broken headers are invalid', async () => {
  const code = (f: () => unknown) => thrownCode(WavHeaderError, f);
  assert.equal(
    code(() => readWavHeader(Buffer.from('ID3'))),
    AudioErrorCodes.wavNotWav,
  );
  assert.equal(
    code(() => readWavHeader(Buffer.from('RIFF\0\0\0\0AVI LIST'))),
    AudioErrorCodes.wavNotWav,
  );
  assert.equal(
    code(() => readWavHeader(Buffer.from('OggS0000WAVExxxxxxxx'))),
    AudioErrorCodes.wavNotWav,
  );
  assert.match(String(code(() => new WavHeaderReader().push(Buffer.from('<htm')))), /ISR_WAV_NOT_WAV/);
  const s16 = Buffer.from(fixtures['s16.wav']!);
  const badId = Buffer.from(s16);
  badId.write('\u0001\u0002\u0003\u0004', 12, 'latin1');
  assert.equal(
    code(() => parseWavHeader(badId)),
    AudioErrorCodes.wavInvalid,
  );
  const noChannels = Buffer.from(s16);
  noChannels.writeUInt16LE(0, 22);
  assert.equal(
    code(() => parseWavHeader(noChannels)),
    AudioErrorCodes.wavInvalid,
  );
  const dataOnly = riff([chunk('data', new Uint8Array(8))]);
  assert.equal(
    code(() => parseWavHeader(dataOnly)),
    AudioErrorCodes.wavInvalid,
  );
  await assert.rejects(
    readWavLayout(async (o, n) => dataOnly.subarray(o, o + n), dataOnly.length),
    /no fmt chunk/,
  );
});

test('chunks in any order: bext and LIST before fmt, fmt after data, a large chunk skipped without being read', async () => {
  const audio = new Uint8Array(400).fill(7);
  const a = riff([
    chunk('LIST', new Uint8Array(10)),
    chunk('fmt ', fmt(2, 48000, 16)),
    chunk('data', audio),
    chunk('LIST', new Uint8Array(4)),
  ]);
  assert.deepEqual(parseWavHeader(a).chunks, ['LIST', 'fmt ', 'data']);
  const b = riff([chunk('JUNK', new Uint8Array(1 << 20)), chunk('data', audio), chunk('fmt ', fmt(2, 48000, 16))]);
  const l = parseWavHeader(b);
  assert.deepEqual(
    [l.chunks, l.dataOffset, l.dataBytes, l.sampleRate],
    [['JUNK', 'data', 'fmt '], 12 + 8 + (1 << 20) + 8, 400, 48000],
  );
  let read = 0;
  assert.deepEqual(await readWavLayout(async (o, n) => ((read += n), b.subarray(o, o + n)), b.length, 64), l);
  assert.ok(read < 1000, `read ${read} bytes of a ${b.length}-byte file`);
  for (const [how, next] of chunkings().slice(1)) assert.deepEqual(feed(b, next).layout, l, how);
});

test('extent: a data size of 0 or beyond the file reads what is there; a stale size reads on unless a chunk follows', () => {
  const audio = new Uint8Array(800).fill(3);
  const layoutOf = (bytes: Uint8Array) => parseWavHeader(bytes);
  const zero = riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', audio, 0)]);
  assert.deepEqual(wavDataExtent(layoutOf(zero), zero.length).bytes, 800);
  assert.match(wavDataExtent(layoutOf(zero), zero.length).warnings[0]!, /not finalised/);
  const cut = riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', audio)]).subarray(0, 44 + 801 - 100 - 3);
  const e = wavDataExtent(layoutOf(cut), cut.length);
  assert.deepEqual([e.bytes, e.frames], [696, 174]);
  assert.ok(e.warnings.some((w) => /truncated/.test(w)) && e.warnings.some((w) => /partial frame/.test(w)));
  const stale = riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', audio, 400)]);
  const sl = layoutOf(stale);
  assert.equal(wavDataExtent(sl, stale.length).bytes, 800, 'a file being written');
  assert.equal(
    wavDataExtent(sl, stale.length, stale.subarray(wavDataEnd(sl), wavDataEnd(sl) + 8)).bytes,
    800,
    'audio bytes are no chunk header',
  );
  const trailing = riff([chunk('fmt ', fmt(2, 8000, 16)), chunk('data', audio), chunk('LIST', new Uint8Array(20))]);
  const tl = layoutOf(trailing);
  const next = trailing.subarray(wavDataEnd(tl), wavDataEnd(tl) + 8);
  assert.deepEqual(wavDataExtent(tl, trailing.length, next), { bytes: 800, frames: 200, warnings: [] });
  const rf = fixtures['rf64.wav']!;
  assert.deepEqual(wavDataExtent(parseWavHeader(rf), rf.length), { bytes: 4410 * 4, frames: 4410, warnings: [] });
});

test('a header for the current size of a file being written: RIFF and data sizes, or RF64 ds64 sizes', () => {
  const h = buildWavHeader(
    { sampleRate: 48000, channels: 2, bitsPerSample: 16 },
    { originationDate: '2026-11-24', originationTime: '06:00:00', timeReference: 0 },
  );
  const grown = Buffer.concat([h, Buffer.alloc(4000 * 4 + 3)]);
  const patched = wavHeaderForSize(h, parseWavHeader(h), grown.length);
  const l = parseWavHeader(patched);
  assert.deepEqual([l.dataBytes, l.riffBytes, l.bext?.originationTime], [16000, h.length - 8 + 16000, '06:00:00']);
  const rf = fixtures['rf64.wav']!;
  const rl = parseWavHeader(rf);
  const rp = wavHeaderForSize(rf, rl, rl.dataOffset + 400 * 4 + 1);
  const rpl = parseWavHeader(rp);
  assert.deepEqual([rpl.dataBytes, rpl.ds64?.sampleCount, rpl.riffBytes], [1600, 400, rl.dataOffset + 1600 - 8]);
  const out = join(dir, 'rf64-cut.wav');
  writeFileSync(out, Buffer.concat([rp, rf.subarray(rl.dataOffset, rl.dataOffset + 1600)]));
  assert.match(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration_ts', '-of', 'csv=p=0', out], {
      encoding: 'utf8',
    }),
    /^400\b/,
  );
});
