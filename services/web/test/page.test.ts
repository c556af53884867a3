import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { clockAt, formatBytes, formatDuration, levelLabel } from '../page/format.ts';
import { webDir } from '../scripts/bundle-page.ts';

test('the page sources type-check strictly against the DOM library (esbuild only strips types)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(webDir, 'page', 'tsconfig.json'), '--noUnusedLocals'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('page formatting: durations, sizes, wall-clock times in the recording’s offset, level summaries', () => {
  assert.equal(formatDuration(null), 'recording');
  assert.equal(formatDuration(3725), '1 h 2 min 5 s');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(clockAt('2026-11-24T12:00:00.000+01:00', 190), '12:03:10');
  assert.equal(
    levelLabel({ rmsDbfs: -20, peakDbfs: -1.04, loudSections: 1 }),
    'RMS -20.0 dBFS, peak -1.0 dBFS, 1 loud section',
  );
  assert.equal(levelLabel(null), 'not analyzed');
});
