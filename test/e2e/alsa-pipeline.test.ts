// arecord (real, FIFO-fed at real-time pace) → capture-alsa → JetStream → segmenter → WAV and FLAC files,
// split every 6 s: the concatenation of each source's files is exactly the counter signal that was fed in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCounter } from '@isr/testkit';
import {
  closedEvents,
  ffmpegErrors,
  recordingFiles,
  samplesOf,
  startAlsaPipeline,
  type AlsaSource,
} from './alsa-harness.ts';

const SECONDS = 13;
const SPLIT_MS = 6000;

test('soundcard to files: WAV and FLAC, 8/16 kHz mono and 48 kHz stereo, sample-exact splits every 0.1 min', async () => {
  const sources: AlsaSource[] = [
    { name: 'wav8k', format: 'wav', sampleRate: 8000, channels: 1 },
    { name: 'flac16k', format: 'flac', sampleRate: 16000, channels: 1 },
    { name: 'wav48k', format: 'wav', sampleRate: 48000, channels: 2 },
  ];
  const p = await startAlsaPipeline(sources, SECONDS);
  try {
    await p.drain((s) => SECONDS * s.sampleRate);
    const codes = await p.stop();
    assert.deepEqual(codes, { capture: 0, segmenter: 0 });
    assert.ok(
      !p.capture.logs().some((l) => l.msg === 'arecord stopped; restarting it after a pause (new session)'),
      'one session per source, no restart',
    );

    for (const s of sources) {
      const files = recordingFiles(p.recordings, s.name, s.format);
      assert.ok(files.length >= 3, `${s.name}: ${files.length} files`);
      for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} decodes without errors`);
      const decoded = files.map(samplesOf); // FLAC: flac -t passes on each, then flac -d
      const frames = decoded.map((d) => d.length / (2 * s.channels));
      const all = Buffer.concat(decoded);
      assert.deepEqual(
        checkCounter(all, s.channels),
        { frames: SECONDS * s.sampleRate, start: 0, firstMismatch: null },
        `${s.name}: the files concatenate to exactly the input`,
      );
      for (const n of frames.slice(1, -1))
        assert.equal(n, 0.1 * 60 * s.sampleRate, `${s.name}: a middle file holds exactly 6 s`);

      // boundaries on the right frames: file k starts at the first frame at or after the k-th 6 s boundary
      const events = (await closedEvents(p.nc, s.name)).sort((a, b) => a.start.localeCompare(b.start));
      assert.deepEqual(
        events.map((e) => e.frames),
        frames,
        `${s.name}: one closed event per file, frames as decoded`,
      );
      const sessionStart = Date.parse(events[0]!.start);
      let offset = 0;
      for (let k = 1; k < frames.length; k++) {
        offset += frames[k - 1]!;
        const boundary = (Math.floor(sessionStart / SPLIT_MS) + k) * SPLIT_MS;
        assert.equal(
          offset,
          Math.ceil(((boundary - sessionStart) * s.sampleRate) / 1000),
          `${s.name}: file ${k} starts on the boundary frame`,
        );
        assert.ok(
          Math.abs(Date.parse(events[k]!.start) - boundary) < 1,
          `${s.name}: file ${k} is dated ${events[k]!.start}, boundary ${new Date(boundary).toISOString()}`,
        );
      }
    }
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- capture-alsa:\n${p.capture.output().slice(-4000)}\n--- segmenter:\n${p.segmenter.output().slice(-4000)}`,
      { cause: err },
    );
  } finally {
    await p.cleanup();
  }
});
