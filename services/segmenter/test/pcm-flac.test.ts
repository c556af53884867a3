import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { SplitClock, ZoneClock } from '@isr/audio';
import { frameAtOrAfter } from '@isr/contract';
import { waitFor } from '@isr/testkit';
import { flacSamples, pcmSignal, publishPcm, recordings, setup, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\n\n[deck]\ntype = soundcard\nformat = flac\nflac_compression = 5\n`,
  );
});
after(async () => h.cleanup());

test('PCM to FLAC: every file passes flac -t, decodes to exactly the input, splits on the boundary frames', async () => {
  const rate = 44100;
  const channels = 2;
  const frames = rate * 8 + 77;
  const pcm = pcmSignal(frames, channels, 5);
  const sessionStartMs = Date.parse('2026-11-24T23:59:58.250Z'); // crosses midnight: a new day directory
  const { service, registry } = await h.start();
  await publishPcm(h.bus, { source: 'deck', session: 'f1', sessionStartMs, sampleRate: rate, channels }, pcm, 4410);
  await waitFor('files split', () => h.events.closed.length >= 3, 30_000);
  // The encoder holds back the last partial FLAC block (its chunks stay unacknowledged until the file closes).
  await waitFor(
    'all chunks taken',
    async () =>
      (await registry.getSingleMetricAsString('isr_segmenter_chunks_total')).match(
        new RegExp(`source="deck"[^}]*} ${Math.ceil(frames / 4410)}$`, 'm'),
      ),
    20_000,
  );
  await service.close();

  const files = recordings(`${h.dir}/rec`, 'deck', 'flac');
  assert.equal(files.length, 4);
  assert.match(files[0]!, /2026-11-24\/2026-11-24_23-59-58\+0000\.flac$/);
  assert.match(files[1]!, /2026-11-25\/2026-11-25_00-00-00\+0000\.flac$/);
  const datas = files.map(flacSamples);
  assert.ok(Buffer.concat(datas).equals(pcm), 'decoded FLAC files concatenate to the input');
  const clock = new SplitClock(0.05, new ZoneClock('UTC'));
  let start = 0;
  for (const [i, d] of datas.entries()) {
    const n = d.length / (channels * 2);
    if (i < datas.length - 1)
      assert.equal(start + n, frameAtOrAfter(clock.next(sessionStartMs + (start * 1000) / rate), sessionStartMs, rate));
    start += n;
  }
  // Clean close: STREAMINFO total samples and MD5 are set; the start time is in a Vorbis comment.
  const info = execFileSync('metaflac', [
    '--show-total-samples',
    '--show-md5sum',
    '--export-tags-to=-',
    files[1]!,
  ]).toString();
  assert.match(info, new RegExp(`^${3 * rate}\\n[0-9a-f]{32}\\n`));
  assert.doesNotMatch(info, /^0{32}$/m);
  assert.match(info, /ISR_START=2026-11-25T00:00:00.000Z/);
  assert.match(info, new RegExp(`ISR_TIME_REFERENCE=0\\n`));
});
