import assert from 'node:assert/strict';
import { copyFile, open, stat, truncate, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '@isr/testkit';
import { analyzeFile } from '../src/analyze-file.ts';
import { burstSections, defaultParams, ffmpeg, makeBursts, tools } from './fixtures.ts';

let dir: { path: string; remove(): Promise<void> };
let wav: string;
before(async () => {
  dir = await tempDir('isr-analyzer-formats-');
  wav = join(dir.path, 'bursts.wav');
  makeBursts(wav, 48000, 2);
});
after(async () => {
  await dir.remove();
});

const analyze = (file: string) =>
  analyzeFile({ file, path: 'src/x', source: 'src', params: defaultParams, tools, now: () => new Date() });

test('the same signal in WAV, FLAC, Ogg FLAC, MP3, Ogg Opus, Ogg Vorbis and AAC: durations within a frame, sections within a window', async () => {
  const ref = await analyze(wav);
  assert.equal(ref.decoder, 'wav-reader');
  const variants: [string, string[], number][] = [
    // name, ffmpeg output options, codec frame (samples) that bounds the duration difference
    ['b.flac', ['-c:a', 'flac'], 0],
    ['b-flac.ogg', ['-c:a', 'flac', '-f', 'ogg'], 0],
    ['b.mp3', ['-c:a', 'libmp3lame', '-b:a', '192k'], 1152],
    ['b.opus', ['-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg'], 960],
    ['b.ogg', ['-c:a', 'libvorbis', '-q:a', '4'], 1024],
    ['b.aac', ['-c:a', 'aac', '-b:a', '160k', '-f', 'adts'], 2048 + 1024],
  ];
  for (const [name, opts, frame] of variants) {
    const f = join(dir.path, name);
    ffmpeg('-i', wav, ...opts, f);
    const r = await analyze(f);
    assert.equal(r.error, undefined, `${name}: ${JSON.stringify(r.error)}`);
    assert.equal(r.decoder, name === 'b.flac' ? 'libflac' : 'ffmpeg');
    assert.ok(
      Math.abs(r.durationSeconds! - ref.durationSeconds!) <= frame / 48000 + 1e-9,
      `${name}: ${r.durationSeconds} s vs ${ref.durationSeconds} s (codec ${r.codec})`,
    );
    assert.equal(r.loudSections!.length, burstSections.length, `${name}: ${JSON.stringify(r.loudSections)}`);
    r.loudSections!.forEach((s, i) => {
      assert.ok(
        Math.abs(s.start - ref.loudSections![i]!.start) <= 0.1 && Math.abs(s.end - ref.loudSections![i]!.end) <= 0.1,
        `${name} section ${i}: ${s.start}–${s.end}`,
      );
    });
    if (frame === 0) {
      assert.equal(r.frames, ref.frames, `${name} is lossless: same sample count`);
      assert.equal(r.rmsDbfs, ref.rmsDbfs);
      assert.equal(r.integratedLufs, ref.integratedLufs);
    } else
      assert.ok(
        Math.abs(r.integratedLufs! - ref.integratedLufs!) < 0.3,
        `${name}: ${r.integratedLufs} LUFS vs ${ref.integratedLufs}`,
      );
  }
});

test('a WAV truncated mid-audio (sizes wrong) is analyzed up to where it ends, with a warning', async () => {
  const f = join(dir.path, 'trunc.wav');
  await copyFile(wav, f);
  await truncate(f, 44 + 48000 * 4 * 6 + 3);
  const r = await analyze(f);
  assert.equal(r.error, undefined);
  assert.equal(r.frames, 48000 * 6);
  assert.ok(
    r.warnings!.some((w) => /truncated/.test(w)),
    JSON.stringify(r.warnings),
  );
  assert.deepEqual(
    r.loudSections!.map((s) => [s.start, s.end]),
    [[2, 5]],
  );
});

test('bad files become error records with a stable code: empty, header-only WAV, corrupt FLAC, missing, unknown codec', async () => {
  const cases: [string, (f: string) => Promise<void>, string][] = [
    ['empty.wav', (f) => writeFile(f, ''), 'EMPTY_FILE'],
    [
      'cut-in-header.wav',
      async (f) => {
        await copyFile(wav, f);
        await truncate(f, 30);
      },
      'WAV_TRUNCATED',
    ],
    [
      'no-samples.wav',
      async (f) => {
        await copyFile(wav, f);
        await truncate(f, 44);
      },
      'NO_AUDIO',
    ],
    [
      'corrupt.flac',
      async (f) => {
        ffmpeg('-i', wav, '-c:a', 'flac', f);
        const size = (await stat(f)).size;
        const fh = await open(f, 'r+');
        await fh.write(Buffer.alloc(4000, 0x5a), 0, 4000, Math.floor(size / 2));
        await fh.close();
      },
      'FLAC_CORRUPT',
    ],
    ['missing.wav', async () => undefined, 'FILE_NOT_FOUND'],
    [
      'noise.ogg',
      (f) => writeFile(f, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff))),
      'UNKNOWN_FORMAT',
    ],
    ['text.mp3', (f) => writeFile(f, 'this is not audio\n'.repeat(100)), 'UNKNOWN_FORMAT'],
  ];
  for (const [name, make, code] of cases) {
    const f = join(dir.path, name);
    await make(f);
    const r = await analyze(f);
    assert.equal(r.error?.code, code, `${name}: ${JSON.stringify(r.error)}`);
    assert.ok(r.error!.message.length > 5);
    assert.equal(r.path, 'src/x');
    assert.equal(r.durationSeconds, undefined);
  }
  // flac -t agrees that the corrupted FLAC is broken (the independent judge).
  assert.throws(() => execFileSync('flac', ['-t', '-s', join(dir.path, 'corrupt.flac')], { stdio: 'pipe' }));
});
