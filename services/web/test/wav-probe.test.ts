import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseDuration } from '../src/media-duration.ts';
import { probeFile } from '../src/scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'isr-web-wav-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const files: Record<string, string> = {};
before(() => {
  const sine = [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=1.5:sample_rate=48000',
    '-ac',
    '2',
    '-c:a',
    'pcm_s16le',
  ];
  files.rf64 = join(dir, 'rf64.wav');
  execFileSync('ffmpeg', [...sine, '-rf64', 'always', files.rf64]);
  // A LIST INFO chunk of 10 KB before the data chunk: the header no longer fits the 4 KiB web reads first.
  files.longHeader = join(dir, 'long-header.wav');
  execFileSync('ffmpeg', [...sine, '-metadata', `comment=${'x'.repeat(10_000)}`, files.longHeader]);
});

test('RF64 and WAV files whose header is longer than the first 4 KiB: format and duration from the header', async () => {
  for (const name of ['rf64', 'longHeader']) {
    const abs = files[name]!;
    const size = statSync(abs).size;
    assert.deepEqual(
      await probeFile(abs, 'wav', size),
      { codec: 'pcm_s16le', sampleRate: 48000, channels: 2, durationSeconds: 1.5 },
      name,
    );
    assert.equal(await parseDuration(abs, 'wav', size, {}), 1.5, name);
  }
});
