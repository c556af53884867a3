import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ffmpegSine, waitFor } from '@isr/testkit';
import { ffmpegErrors, mp3Frames, publishUnits, recordings, setup, type Harness, segmenterBacklog } from './harness.ts';

// Defect from the stream e2e (about 1 % of runs): a session that starts less than one MP3 frame (26 ms) before
// a split boundary got a first file of exactly one frame, and ffmpeg refuses any one-frame MP3 file ("Invalid
// frame size … Could not seek", exit 1; ID3 tags do not help). Now an MP3 file is never cut after a single
// frame: that file goes on through the next period instead; and the first frame after a boundary waits for a
// second one before a new file is started, so a stream dropping right after a boundary ends the old file.
let h: Harness;
before(async () => {
  h = await setup((dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\n`);
  ffmpegSine(`${h.dir}/in.mp3`, { hz: 440, rate: 44100, seconds: 2 }, '-ac 1 -b:a 64k -write_xing 0 -id3v2_version 0');
});
after(async () => h.cleanup());

test('an MP3 session starting 10 ms before a boundary leaves no one-frame (unplayable) file', async () => {
  const mp3 = readFileSync(`${h.dir}/in.mp3`);
  const units = mp3Frames(mp3);
  const { service } = await h.start();
  const boundary = Date.parse('2026-11-24T10:00:00.000Z'); // a multiple of 3 s from UTC midnight
  await publishUnits(
    h.bus,
    {
      source: 'edge',
      format: 'mp3',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 1,
      session: 'e1',
      sessionStartMs: boundary - 10,
    },
    mp3,
    units,
    5,
  );
  await waitFor(
    'all acknowledged',
    async () =>
      (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0 &&
      (await segmenterBacklog(h.bus.jsm)).num_pending === 0,
    20_000,
  );
  await service.close();
  const files = recordings(`${h.dir}/rec`, 'edge', 'mp3');
  assert.ok(Buffer.concat(files.map((f) => readFileSync(f))).equals(mp3), 'nothing lost');
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} (${readFileSync(f).length} bytes) plays`);
});

test('an MP3 session ending 10 ms after a boundary leaves no one-frame (unplayable) last file', async () => {
  const mp3 = readFileSync(`${h.dir}/in.mp3`);
  const units = mp3Frames(mp3);
  const { service } = await h.start({ idleGraceMs: 500 });
  const boundary = Date.parse('2026-11-24T11:00:00.000Z');
  const lastStart = ((units.length - 1) * 1152 * 1000) / 44100; // ms from the session start to the last frame
  await publishUnits(
    h.bus,
    {
      source: 'tail',
      format: 'mp3',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 1,
      session: 't1',
      sessionStartMs: boundary + 10 - lastStart,
    },
    mp3,
    units,
    5,
  );
  const ci = () => segmenterBacklog(h.bus.jsm);
  await waitFor(
    'all acknowledged (the held last frame written when the source fell idle)',
    async () => (await ci()).num_ack_pending === 0 && (await ci()).num_pending === 0,
    20_000,
  );
  await service.close();
  const files = recordings(`${h.dir}/rec`, 'tail', 'mp3');
  assert.ok(Buffer.concat(files.map((f) => readFileSync(f))).equals(mp3), 'nothing lost');
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} (${readFileSync(f).length} bytes) plays`);
});
