import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ffmpegSine } from '@isr/testkit';
import { parseDuration } from '../src/media-duration.ts';
import { probeFile } from '../src/scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'isr-web-wav-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const files: Record<string, string> = {};
before(() => {
  const tone = { hz: 440, rate: 48000, seconds: 1.5 };
  files.rf64 = join(dir, 'rf64.wav');
  ffmpegSine(files.rf64, tone, '-ac 2 -c:a pcm_s16le -rf64 always');
  // A LIST INFO chunk of 10 KB before the data chunk: the header no longer fits the 4 KiB web reads first.
  files.longHeader = join(dir, 'long-header.wav');
  ffmpegSine(files.longHeader, tone, `-ac 2 -c:a pcm_s16le -metadata comment=${'x'.repeat(10_000)}`);
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
