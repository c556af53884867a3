import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FLAC_STREAMINFO_END, patchStreamInfo, readStreamInfo } from '@isr/audio';

const dir = mkdtempSync(join(tmpdir(), 'isr-flac-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('STREAMINFO total samples patched into a flac-made file: flac -t passes and reports the count', () => {
  const raw = Buffer.alloc(44100 * 4);
  for (let i = 0; i < raw.length / 2; i++) raw.writeInt16LE(((i * 37) % 20000) - 10000, i * 2);
  writeFileSync(join(dir, 'a.raw'), raw);
  execFileSync('flac', [
    '-s',
    '--force-raw-format',
    '--endian=little',
    '--sign=signed',
    '--channels=2',
    '--bps=16',
    '--sample-rate=44100',
    '-o',
    join(dir, 'a.flac'),
    join(dir, 'a.raw'),
  ]);
  const file = readFileSync(join(dir, 'a.flac'));
  const info = readStreamInfo(file.subarray(0, FLAC_STREAMINFO_END));
  assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample, info.totalSamples], [44100, 2, 16, 44100]);
  // A crash leaves total samples 0 (libFLAC streaming); repair sets it and clears the MD5.
  const head = Buffer.from(file.subarray(0, FLAC_STREAMINFO_END));
  patchStreamInfo(head, 0);
  patchStreamInfo(head, 44100);
  head.copy(file);
  writeFileSync(join(dir, 'b.flac'), file);
  execFileSync('flac', ['-t', '-s', join(dir, 'b.flac')]);
  assert.equal(
    execFileSync('metaflac', ['--show-total-samples', join(dir, 'b.flac')])
      .toString()
      .trim(),
    '44100',
  );
  assert.equal(readStreamInfo(head).md5.toString('hex'), '0'.repeat(32));
  assert.equal(readStreamInfo(head).totalSamples, 44100);
  const big = Buffer.from(head);
  patchStreamInfo(big, 2 ** 33 + 7);
  assert.equal(readStreamInfo(big).totalSamples, 2 ** 33 + 7);
});

test('not FLAC: a clear error', () => {
  assert.throws(() => readStreamInfo(Buffer.alloc(FLAC_STREAMINFO_END)), /not a FLAC file/);
});
