import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { waitFor } from '@isr/testkit';
import { ffmpegErrors, mp3Frames, publishUnits, recordings, setup, type Harness } from './harness.ts';

// Known defect, reproduced: a session that starts less than one MP3 frame (26 ms) before a split boundary
// gets a first file of exactly one frame, and ffmpeg refuses any one-frame MP3 file ("Invalid frame size …
// Could not seek", exit 1; ID3 tags do not help). The same happens to a session's last file when the stream
// drops within one frame after a boundary. The stream e2e meets it in about 1 % of runs. Fix (not done yet):
// keep the previous file open until the next period's second unit arrives, so no MP3 file is ever one frame.
let h: Harness;
before(async () => {
  h = await setup((dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\n`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-ar', '44100', '-ac', '1', '-b:a', '64k', '-write_xing', '0', '-id3v2_version', '0', `${h.dir}/in.mp3`]);
});
after(async () => h.cleanup());

test('an MP3 session starting 10 ms before a boundary leaves no one-frame (unplayable) file', { todo: 'segmenter still writes a one-frame first file; see the comment above' }, async () => {
  const mp3 = readFileSync(`${h.dir}/in.mp3`);
  const units = mp3Frames(mp3);
  const { service } = await h.start();
  const boundary = Date.parse('2026-11-24T10:00:00.000Z'); // a multiple of 3 s from UTC midnight
  await publishUnits(h.bus, { source: 'edge', format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 1, session: 'e1', sessionStartMs: boundary - 10 }, mp3, units, 5);
  await waitFor('all acknowledged', async () => (await h.bus.jsm.consumers.info('ISR_AUDIO', 'segmenter')).num_ack_pending === 0 && (await h.bus.jsm.consumers.info('ISR_AUDIO', 'segmenter')).num_pending === 0, 20_000);
  await service.close();
  const files = recordings(`${h.dir}/rec`, 'edge', 'mp3');
  assert.ok(Buffer.concat(files.map((f) => readFileSync(f))).equals(mp3), 'nothing lost');
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} (${readFileSync(f).length} bytes) plays`);
});
