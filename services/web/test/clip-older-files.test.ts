import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isOggHeaderPage, splitOggPages } from '@isr/audio';
import { ffmpegSine } from '@isr/testkit';
import { copyAsRecordings, utcRecordingPath } from './copy-recordings.ts';
import { harness, type Harness } from './harness.ts';

// Issue 17: a source with 300 older compressed recordings whose durations the web never learnt (no closed
// event: the scan finds no length in an Ogg or MP3 header). Ogg files of 10 s every 20 s (a 10 s gap after
// each), MP3 files of 3 s every 10 s. A clip must open only the files it needs.
const OGG_FILES = 300;
const MP3_FILES = 30;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const OGG_EVERY = { source: 'old', t0: T0, everyMs: 20_000, count: OGG_FILES };
const MP3_EVERY = { source: 'oldmp3', t0: T0, everyMs: 10_000, count: MP3_FILES };
const oggPath = (i: number) => utcRecordingPath(OGG_EVERY.source, T0 + i * OGG_EVERY.everyMs, 'ogg');
const mp3Path = (i: number) => utcRecordingPath(MP3_EVERY.source, T0 + i * MP3_EVERY.everyMs, 'mp3');
let h: Harness;
let oggBytes = 0;

before(async () => {
  h = await harness({
    clipMaxMinutes: 2,
    fill: async (root) => {
      const one = join(root, '..', 'ten-seconds.ogg');
      ffmpegSine(one, { hz: 440, rate: 48000, seconds: 10 }, '-c:a libopus -b:a 48k -f ogg');
      const mp3 = join(root, '..', 'three-seconds.mp3');
      ffmpegSine(
        mp3,
        { hz: 660, rate: 44100, seconds: 3 },
        '-c:a libmp3lame -b:a 64k -write_xing 0 -id3v2_version 0 -f mp3',
      );
      oggBytes = (await stat(one)).size;
      await copyAsRecordings(root, one, OGG_EVERY);
      await copyAsRecordings(root, mp3, MP3_EVERY);
    },
  });
  await h.listen();
});
after(() => h.close());

const iso = (ms: number) => new Date(ms).toISOString();

test('the scan left the older Ogg and MP3 recordings without a duration (the case of the issue)', () => {
  assert.equal(h.deps.index.ofSource('old').length, OGG_FILES);
  assert.ok(h.deps.index.ofSource('old').every((r) => r.durationSeconds === null && !r.recording));
  assert.ok(h.deps.index.ofSource('oldmp3').every((r) => r.durationSeconds === null && !r.recording));
});

test('a 1-minute Ogg clip among 300 older files reads only the 4 files it needs and names exactly those', async () => {
  const k = 250;
  const start = T0 + k * 20_000 + 5_000;
  const before = await h.clipReadBytes();
  const res = await fetch(`${h.url}/api/clip?source=old&start=${iso(start)}&end=${iso(start + 60_000)}`);
  assert.equal(res.status, 200, await res.clone().text());
  const clip = Buffer.from(await res.arrayBuffer());
  // Files k…k+3 overlap [start, start + 60 s): 5 s of k, all of k+1 and k+2, 5 s of k+3.
  assert.deepEqual(
    res.headers.get('x-isr-clip-files')!.split(',').map(decodeURIComponent),
    [k, k + 1, k + 2, k + 3].map(oggPath),
  );
  const read = (await h.clipReadBytes()) - before;
  // The 4 files, and for the first (it starts before the clip) its length: its head and last 64 KiB, once.
  assert.ok(
    read <= 4 * oggBytes + 80 * 1024,
    `read ${read} bytes for the clip; each file is ${oggBytes}, all ${OGG_FILES * oggBytes}`,
  );
  const out = join(h.dir, 'older.ogg');
  await writeFile(out, clip);
  assert.equal(execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], { encoding: 'utf8' }), '');
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 's16le', '-ac', '1', '-ar', '48000', '-'], {
    maxBuffer: 1 << 26,
  });
  const seconds = pcm.length / 2 / 48000;
  assert.ok(Math.abs(seconds - 30) < 0.2, `decoded ${seconds} s (5 + 10 + 10 + 5 expected)`);
  assert.equal(
    new Set(
      splitOggPages(clip)
        .filter((p) => !isOggHeaderPage(p))
        .map((p) => p.serial),
    ).size,
    1,
  );
});

test('a clip inside the gap after an older file, or after the last one, finds no recording (its real length is parsed once)', async () => {
  const gap = T0 + 100 * 20_000 + 12_000;
  const r1 = await fetch(`${h.url}/api/clip?source=old&start=${iso(gap)}&end=${iso(gap + 5_000)}`);
  assert.equal(r1.status, 404, await r1.clone().text());
  assert.equal(((await r1.json()) as { code: string }).code, 'ISR_WEB_CLIP_EMPTY');
  const late = T0 + (OGG_FILES - 1) * 20_000 + 11_000;
  assert.equal((await fetch(`${h.url}/api/clip?source=old&start=${iso(late)}&end=${iso(late + 60_000)}`)).status, 404);
  // The second time the same file's length is known: nothing is read at all.
  const before = await h.clipReadBytes();
  assert.equal((await fetch(`${h.url}/api/clip?source=old&start=${iso(gap)}&end=${iso(gap + 5_000)}`)).status, 404);
  assert.equal((await h.clipReadBytes()) - before, 0);
  // What was learnt is the archive's too: /api/files lists the file with its length.
  const page = (await (await fetch(`${h.url}/api/files?source=old&limit=1000`)).json()) as {
    files: { path: string; durationSeconds: number | null }[];
  };
  const learnt = page.files.find((f) => f.path === oggPath(100))!;
  assert.ok(Math.abs(learnt.durationSeconds! - 10) < 0.05, `file 100 listed with ${learnt.durationSeconds} s`);
});

test('an MP3 clip across a gap names only the files whose frames it holds, and stops reading at its end', async () => {
  const mp3Bytes = (await stat(join(h.root, mp3Path(0)))).size;
  // [k·10 + 2 s, k·10 + 12 s): the last second of file k, nothing in the gap, the first 2 s of file k+1.
  const k = 20;
  const start = T0 + k * 10_000 + 2_000;
  const before = await h.clipReadBytes();
  const res = await fetch(`${h.url}/api/clip?source=oldmp3&start=${iso(start)}&end=${iso(start + 10_000)}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(res.headers.get('x-isr-clip-files')!.split(',').map(decodeURIComponent), [
    mp3Path(k),
    mp3Path(k + 1),
  ]);
  const clip = Buffer.from(await res.arrayBuffer());
  const frameBytes = (64000 * 1152) / 8 / 44100;
  const seconds = (clip.length / frameBytes) * (1152 / 44100);
  assert.ok(Math.abs(seconds - 3) < 0.1, `${seconds} s of frames`);
  const read = (await h.clipReadBytes()) - before;
  assert.ok(read <= 3 * mp3Bytes, `read ${read} bytes; each file is ${mp3Bytes}, all ${MP3_FILES * mp3Bytes}`);
  const inGap = T0 + k * 10_000 + 4_000;
  assert.equal(
    (await fetch(`${h.url}/api/clip?source=oldmp3&start=${iso(inGap)}&end=${iso(inGap + 5_000)}`)).status,
    404,
  );
  assert.ok((await readFile(join(h.root, mp3Path(k)))).length === mp3Bytes);
});
