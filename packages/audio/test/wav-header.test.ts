import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildWavHeader, parseWavHeader, WAV_HEADER_BYTES, wavSizePatches } from '@isr/audio';

const dir = mkdtempSync(join(tmpdir(), 'isr-wav-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const format = { sampleRate: 48000, channels: 2, bitsPerSample: 16 };
const bext = {
  originationDate: '2026-11-24',
  originationTime: '06:00:00',
  timeReference: 6 * 3600 * 48000 + 17,
  description: 'ISR test',
};

test('header with bext round-trips and sox reads the file it starts', () => {
  const data = Buffer.alloc(4800 * 4, 1);
  const h = buildWavHeader(format, bext, data.length);
  assert.equal(h.length, WAV_HEADER_BYTES);
  const p = parseWavHeader(h);
  assert.deepEqual({ sampleRate: p.sampleRate, channels: p.channels, bitsPerSample: p.bitsPerSample }, format);
  assert.equal(p.dataOffset, WAV_HEADER_BYTES);
  assert.equal(p.dataBytes, data.length);
  assert.equal(p.riffBytes, WAV_HEADER_BYTES - 8 + data.length);
  assert.equal(p.bext?.originationDate, '2026-11-24');
  assert.equal(p.bext?.originationTime, '06:00:00');
  assert.equal(p.bext?.timeReference, bext.timeReference);
  writeFileSync(join(dir, 'a.wav'), Buffer.concat([h, data]));
  const info = execFileSync('soxi', [join(dir, 'a.wav')]).toString();
  assert.match(info, /Sample Rate\s*: 48000/);
  assert.match(info, /Duration\s*: 00:00:00\.10 = 4800 samples/);
});

test('a TimeReference above 2^32 is split into its two words', () => {
  const p = parseWavHeader(buildWavHeader(format, { ...bext, timeReference: 2 ** 32 + 5 }));
  assert.equal(p.bext?.timeReference, 2 ** 32 + 5);
});

test('repairs a WAV left open by a crash: sizes from the file length, a torn last frame ignored', () => {
  const fresh = buildWavHeader(format, bext, 0); // sizes 0, as a crash right after opening leaves them
  const fileLength = WAV_HEADER_BYTES + 4000 * 4 + 3; // 3 bytes of a torn frame
  for (const patch of wavSizePatches(fileLength, 4)) patch.bytes.copy(fresh, patch.offset);
  const p = parseWavHeader(fresh);
  assert.equal(p.dataBytes, 16000);
  assert.equal(p.riffBytes, WAV_HEADER_BYTES - 8 + 16000);
});

test('sizes saturate at 4 GiB instead of wrapping', () => {
  const h = buildWavHeader(format, bext, 5 * 2 ** 30);
  assert.equal(parseWavHeader(h).dataBytes, 0xffff_ffff);
});

test('not a WAV: a clear error', () => {
  assert.throws(() => parseWavHeader(Buffer.from('ID3 nothing here at all')), /not a RIFF\/WAVE file/);
});
