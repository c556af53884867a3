import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor, type IcecastFeedCodec } from '@isr/testkit';
import { decodedSamples, ffmpegErrors, startSpine, type Spine } from './stream-harness.ts';

// SIGKILL the segmenter in the middle of a file while a live stream keeps coming, restart it: nothing is
// lost or written twice (decoded duration = what capture published; MP3 bytes identical), every file plays.
const spines = new Map<IcecastFeedCodec, Spine>();
const seconds = (s: Spine) => s.published().reduce((n, c) => n + c.frames / c.sampleRate, 0);

async function crashRun(codec: IcecastFeedCodec): Promise<void> {
  const s = await startSpine(codec, `crash_${codec}`);
  spines.set(codec, s);
  await waitFor(
    '7 s of audio, then the middle of a 6 s file',
    () => seconds(s) >= 7 && Date.now() % 6000 > 2500 && Date.now() % 6000 < 3500,
    40_000,
    100,
  );
  await s.segmenter.stop('SIGKILL');
  await sleep(2000);
  s.startSegmenter();
  await waitFor('7 s more audio', () => seconds(s) >= 16, 40_000, 200);
  await s.finish();
}

before(async () => {
  await Promise.all((['mp3', 'opus'] as const).map(crashRun));
});
after(async () => {
  await Promise.all([...spines.values()].map((s) => s.cleanup()));
});

for (const codec of ['mp3', 'opus'] as const) {
  test(`${codec}: a segmenter SIGKILLed mid-file and restarted loses and duplicates nothing`, (t) => {
    const s = spines.get(codec)!;
    const files = s.recordings();
    assert.ok(files.length >= 3, `${files.length} files`);
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} plays`);
    const sent = s.published().reduce((n, c) => n + c.frames, 0);
    const decoded = files.reduce((n, f) => n + decodedSamples(f), 0);
    const frame = codec === 'mp3' ? 1152 : 960;
    t.diagnostic(
      `${files.length} files, decoded ${decoded}, published ${sent} (Δ ${decoded - sent}); a duplicated chunk would add ≥ ${Math.min(...s.published().map((c) => c.frames))}`,
    );
    assert.ok(Math.abs(decoded - sent) <= files.length * frame, `decoded ${decoded} vs published ${sent}`);
    if (codec === 'mp3') {
      const written = Buffer.concat(files.map((f) => readFileSync(f)));
      const published = Buffer.concat(s.publishedData());
      assert.ok(
        written.equals(published),
        `MP3 files (${written.length} B) are byte for byte the published chunks (${published.length} B)`,
      );
    }
  });
}
