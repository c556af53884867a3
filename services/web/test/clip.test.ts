import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseWavHeader } from '@isr/audio';
import { soxSynth } from '@isr/testkit';
import { harness, type Harness } from './harness.ts';

// Two 3 s files either side of 06:00:00 UTC, made by sox (different noise, so a misplaced frame shows).
const A = 'studio/2026-11-24/2026-11-24_05-59-57+0000.wav';
const B = 'studio/2026-11-24/2026-11-24_06-00-00+0000.wav';
let h: Harness;

before(async () => {
  h = await harness({
    clipMaxMinutes: 1,
    fill: async (root) => {
      await mkdir(join(root, 'studio/2026-11-24'), { recursive: true });
      soxSynth(join(root, A), { rate: 48000, channels: 2 }, 'synth 3 whitenoise vol 0.5');
      soxSynth(join(root, B), { rate: 48000, channels: 2 }, 'synth 3 pinknoise vol 0.5');
    },
  });
  await h.listen();
});
after(() => h.close());

async function pcmOf(path: string): Promise<Buffer> {
  const buf = await readFile(path);
  const info = parseWavHeader(buf);
  return buf.subarray(info.dataOffset);
}

test('a clip across the hour boundary equals the corresponding frames of the two source files', async () => {
  const res = await fetch(
    `${h.url}/api/clip?source=studio&start=2026-11-24T05:59:58.500Z&end=${encodeURIComponent('2026-11-24T07:00:01.250+01:00')}&format=wav`,
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'audio/wav');
  assert.match(
    res.headers.get('content-disposition')!,
    /^attachment; filename="studio_2026-11-24T05-59-58-500Z\.wav"$/,
  );
  const clip = Buffer.from(await res.arrayBuffer());
  const a = await pcmOf(join(h.root, A));
  const b = await pcmOf(join(h.root, B));
  const expected = Buffer.concat([a.subarray(1.5 * 48000 * 4), b.subarray(0, 1.25 * 48000 * 4)]);
  const info = parseWavHeader(clip);
  assert.equal(info.sampleRate, 48000);
  assert.equal(info.channels, 2);
  assert.equal(info.dataBytes, expected.length);
  assert.ok(clip.subarray(info.dataOffset).equals(expected), 'clip samples differ from the source frames');
  const out = join(h.dir, 'clip.wav');
  await writeFile(out, clip);
  assert.equal(execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], { encoding: 'utf8' }), '');
});

test('clips longer than clip_max_minutes, reversed, outside any file or of unknown format are refused', async () => {
  const q = (s: string) =>
    fetch(`${h.url}/api/clip?${s}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { code: string },
    }));
  assert.deepEqual(
    (await q('source=studio&start=2026-11-24T05:59:00Z&end=2026-11-24T06:00:01Z')).body.code,
    'ISR_WEB_CLIP_TOO_LONG',
  );
  assert.equal((await q('source=studio&start=2026-11-24T06:00:01Z&end=2026-11-24T06:00:00Z')).status, 400);
  assert.equal((await q('source=studio&start=2026-11-24T08:00:00Z&end=2026-11-24T08:00:01Z')).status, 404);
  assert.equal((await q('source=studio&start=2026-11-24T06:00:00Z&end=2026-11-24T06:00:01Z&format=ogg')).status, 422);
  assert.equal((await q('source=../x&start=1&end=2')).status, 400);
  assert.equal((await q('source=studio&start=yesterday&end=2026-11-24T06:00:01Z')).status, 400);
});
