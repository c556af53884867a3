import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ffmpegSine, tempDir } from '@isr/testkit';
import { clipCandidates, holdsAudioOf, NEXT_START_SLACK_MS } from '../src/clip-files.ts';
import { DurationCache, lastGranule } from '../src/media-duration.ts';

const file = (startMs: number, durationSeconds: number | null = null, recording = false) => ({
  startMs,
  durationSeconds,
  recording,
});

test('candidates: an unknown length ends no later than the next file starts; a known one by its duration', () => {
  const files = [file(0), file(10_000), file(20_000, 5), file(40_000), file(60_000, null, true)];
  const starts = (s: number, e: number, cut: boolean) => clipCandidates(files, s, e, cut).map((c) => c.file.startMs);
  // Inside the second file: the first ends where the second starts (plus the name's slack unless cut at the next).
  assert.deepEqual(starts(12_000, 13_000, true), [10_000]);
  assert.deepEqual(starts(10_000 + NEXT_START_SLACK_MS - 1, 13_000, false), [0, 10_000]);
  assert.deepEqual(starts(10_000 + NEXT_START_SLACK_MS, 13_000, false), [10_000]);
  // In the gap after a file of known length: nothing; after one of unknown length: it, to be measured.
  assert.deepEqual(starts(30_000, 35_000, true), []);
  assert.deepEqual(starts(45_000, 50_000, true), [40_000]);
  // The file being recorded runs to now; files starting at or after the end are never candidates.
  assert.deepEqual(starts(70_000, 80_000, true), [60_000]);
  assert.deepEqual(starts(-5_000, 1, true), [0]);
  assert.deepEqual(starts(-5_000, 0, true), []);
});

test('holdsAudioOf: a frame-cut file ends at the next start; an Ogg file at its own end', () => {
  assert.equal(holdsAudioOf(0, 12_000, 10_000, true, 11_000, 12_000), false);
  assert.equal(holdsAudioOf(0, 12_000, 10_000, false, 11_000, 12_000), true);
  assert.equal(holdsAudioOf(0, 8_000, 10_000, true, 8_000, 9_000), false);
  assert.equal(holdsAudioOf(0, Infinity, Infinity, true, 8_000, 9_000), true);
  assert.equal(holdsAudioOf(9_000, 10_000, Infinity, true, 8_000, 9_000), false);
});

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-clip-files-');
});
after(() => dir.remove());

const probe = (path: string, entries: string, extra: string[] = []) =>
  Number(
    execFileSync(
      'ffprobe',
      ['-v', 'error', ...extra, '-select_streams', 'a:0', '-show_entries', entries, '-of', 'csv=p=0', path],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')[0],
  );
/** ffprobe's length; for ADTS (where ffprobe estimates from the bitrate) its packets × 1024 samples. */
const ffprobeSeconds = (path: string) =>
  path.endsWith('.aac')
    ? (probe(path, 'stream=nb_read_packets', ['-count_packets']) * 1024) / 44100
    : probe(path, 'format=duration');

test('DurationCache parses Ogg Opus and Vorbis from their last page, MP3 and AAC from their frames, as ffprobe counts them', async () => {
  const cases: [string, string, string][] = [
    ['a.ogg', 'ogg', '-c:a libopus -b:a 32k -f ogg'],
    ['v.ogg', 'ogg', '-c:a libvorbis -f ogg'],
    ['m.mp3', 'mp3', '-c:a libmp3lame -b:a 64k -write_xing 0 -f mp3'],
    ['c.aac', 'aac', '-c:a aac -b:a 64k -f adts'],
  ];
  const cache = new DurationCache();
  for (const [name, container, args] of cases) {
    const path = join(dir.path, name);
    ffmpegSine(path, { hz: 440, rate: 44100, seconds: 7.3 }, args);
    let read = 0;
    const seconds = await cache.durationOf(path, container, { onRead: (n) => (read += n) });
    assert.ok(
      seconds !== null && Math.abs(seconds - ffprobeSeconds(path)) < 0.06,
      `${name}: ${seconds} s, ffprobe ${ffprobeSeconds(path)} s`,
    );
    if (container === 'ogg') assert.ok(read <= 4096 + 65_307, `${name}: read ${read} bytes`);
  }
});

test('DurationCache: parsed once per size and mtime, at most maxEntries kept; a file that is not what it says has no length', async () => {
  const path = join(dir.path, 'grow.ogg');
  ffmpegSine(path, { hz: 440, rate: 44100, seconds: 2 }, '-c:a libopus -f ogg');
  const cache = new DurationCache(2);
  let read = 0;
  const o = { onRead: (n: number) => (read += n) };
  const first = await cache.durationOf(path, 'ogg', o);
  const afterFirst = read;
  assert.equal(await cache.durationOf(path, 'ogg', o), first);
  assert.equal(read, afterFirst, 'read again though unchanged');
  // Rewritten with the same size but a new mtime: parsed anew.
  const bytes = await readFile(path);
  await writeFile(path, bytes);
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  assert.equal(await cache.durationOf(path, 'ogg', o), first);
  assert.ok(read > afterFirst);
  // A torn last page (a crash): the length of the whole pages before it.
  await appendFile(path, bytes.subarray(bytes.length - 200, bytes.length - 100));
  const torn = await cache.durationOf(path, 'ogg', o);
  assert.equal(torn, first);
  const junk = join(dir.path, 'junk.ogg');
  await writeFile(junk, 'not audio');
  assert.equal(await cache.durationOf(junk, 'ogg', o), null);
  assert.equal(await cache.durationOf(junk, 'mp3', o), null);
  assert.equal(cache.size, 2);
});

test('lastGranule skips pages whose CRC does not match (an OggS inside audio data)', () => {
  const page = Buffer.alloc(27 + 1 + 10);
  page.write('OggS', 0, 'latin1');
  page.writeBigInt64LE(1234n, 6);
  page[26] = 1;
  page[27] = 10;
  assert.equal(lastGranule(page), null);
});
