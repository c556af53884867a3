// SIGKILL the segmenter while it writes a WAV and a FLAC file fed by the real arecord; restart it: every file
// opens in a decoder and each source's files still concatenate to exactly the input (JetStream replays what
// was not acknowledged, the segmenter repairs what the crash left open).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkCounter, waitFor } from '@isr/testkit';
import { ffmpegErrors, recordingFiles, samplesOf, startAlsaPipeline, type AlsaSource } from './alsa-harness.ts';

const SECONDS = 14;

test('SIGKILL the segmenter mid-file (WAV and FLAC from arecord), restart: every file decodes, nothing lost or repeated', async () => {
  const sources: AlsaSource[] = [
    { name: 'crashwav', format: 'wav', sampleRate: 16000, channels: 1 },
    { name: 'crashflac', format: 'flac', sampleRate: 16000, channels: 1 },
  ];
  const p = await startAlsaPipeline(sources, SECONDS);
  try {
    await waitFor(
      'both sources half-way, each with a file being written',
      () => {
        const half = [...p.writers.values()].every((w) => w.framesWritten >= 7 * w.sampleRate);
        // (the counter signal compresses to almost nothing in FLAC, so look for a file with audio past the header)
        return (
          half &&
          sources.every((s) => recordingFiles(p.recordings, s.name, s.format).some((f) => statSync(f).size > 1000))
        );
      },
      30_000,
      100,
    );
    p.segmenter.child.kill('SIGKILL');
    await p.segmenter.exited;
    await sleep(1000); // audio keeps arriving in JetStream while no segmenter runs
    p.segmenter = await p.startSegmenter();
    await p.drain((s) => SECONDS * s.sampleRate);
    const codes = await p.stop();
    assert.deepEqual(codes, { capture: 0, segmenter: 0 });

    for (const s of sources) {
      const files = recordingFiles(p.recordings, s.name, s.format);
      assert.ok(files.length >= 2, `${s.name}: ${files.length} files`);
      for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} decodes without errors after the crash`);
      const all = Buffer.concat(files.map(samplesOf)); // FLAC: flac -t passes on every file
      assert.deepEqual(
        checkCounter(all, s.channels),
        { frames: SECONDS * s.sampleRate, start: 0, firstMismatch: null },
        `${s.name}: the files still concatenate to exactly the input`,
      );
    }
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- capture-alsa:\n${p.capture.output().slice(-3000)}\n--- segmenter:\n${p.segmenter.output().slice(-5000)}`,
      { cause: err },
    );
  } finally {
    await p.cleanup();
  }
});
