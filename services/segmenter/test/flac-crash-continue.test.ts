// Timeline defect (issue 16): a FLAC file interrupted by kill -9 was finished at the crash point and the rest
// of its period went to a new file. Now it is continued, as WAV is: one file per period, each holding exactly
// split_minutes × 60 × rate frames (the session's first and last excepted), `flac -t` passes, its STREAMINFO
// total is right and its MD5 is either right or zero ("unknown", for a continued file).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStreamInfo } from '@isr/audio';
import { freePort, startService, waitFor, type ServiceHandle } from '@isr/testkit';
import { JournalStore, type Journal } from '../src/journal.ts';
import { flacSamples, pcmSignal, publishPcm, recordings, segmenterDrained, setup, type Harness } from './harness.ts';

let h: Harness;
let seg: ServiceHandle | null = null;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nheader_rewrite_seconds = 1\nmin_free_mb = 0\n\n[flac1]\ntype = soundcard\nformat = flac\n`,
  );
});
after(async () => {
  await seg?.stop('SIGKILL');
  await h.cleanup();
});

function journal(): Journal | null {
  const p = new JournalStore(`${h.dir}/rec`).fileOf('flac1');
  return existsSync(p)
    ? ((JSON.parse(readFileSync(p, 'utf8')) as { sources: Record<string, Journal> }).sources.flac1 ?? null)
    : null;
}

test(
  'FLAC kill -9 mid-period: the file is continued — one file per period, exact frame counts, contiguous',
  { timeout: 120_000 },
  async () => {
    const rate = 16000;
    const channels = 2;
    const chunk = 1600;
    const frames = rate * 12;
    const pcm = pcmSignal(frames, channels, 11);
    const s = {
      source: 'flac1',
      session: 'fk',
      sessionStartMs: Date.parse('2026-11-24T12:00:01.300Z'),
      sampleRate: rate,
      channels,
    };
    const env = { NATS_URL: h.nats.url, METRICS_PORT: String(await freePort()) };
    const first = startService('segmenter', ['--config', h.configFile], env);
    seg = first;
    await waitFor('segmenter consuming', () => first.output().includes('segmenter consuming'), 20_000);
    const half = rate * 5; // mid-period: periods are 3 s, the second starts at 12:00:03
    for (let f = 0; f < half; f += chunk * 4) {
      await publishPcm(h.bus, s, pcm, chunk, f, Math.min(half, f + chunk * 4));
      await sleep(20);
    }
    await waitFor(
      'a FLAC file mid-period with audio in the journal',
      () => (journal()?.file?.frames ?? 0) > 0 && journal()!.file!.firstOffset > 0,
      20_000,
    );
    const more = publishPcm(h.bus, s, pcm, chunk, half, half + chunk * 12);
    await sleep(120);
    first.child.kill('SIGKILL');
    await first.exited;
    await more;
    const interrupted = journal()!.file!;
    await publishPcm(h.bus, s, pcm, chunk, half + chunk * 12, frames);

    const second = startService('segmenter', ['--config', h.configFile], {
      ...env,
      METRICS_PORT: String(await freePort()),
    });
    seg = second;
    await waitFor('segmenter restarted', () => second.output().includes('segmenter consuming'), 20_000);
    await waitFor(
      'the file left open repaired and continued',
      () => second.output().includes('repaired a file left open; continuing it'),
      20_000,
      100,
    );
    await waitFor('everything acknowledged', () => segmenterDrained(h.bus.jsm), 60_000, 250);
    await sleep(500);
    assert.equal(await second.stop('SIGTERM'), 0);

    const files = recordings(`${h.dir}/rec`, 'flac1', 'flac');
    assert.ok(files.includes(interrupted.path), 'the interrupted file is continued under its own name');
    assert.deepEqual(
      files.filter((f) => /_\d+\.flac$/.test(f)),
      [],
      'no _N file',
    );
    const decoded = files.map(flacSamples); // flac -t passes on each
    const counts = decoded.map((d) => d.length / (channels * 2));
    const period = rate * 3;
    const lead = period - 1.3 * rate; // the session starts 1.3 s into its first period
    assert.deepEqual(
      counts,
      [lead, period, period, period, frames - lead - 3 * period],
      'one file per period, each with exactly its frames',
    );
    for (const [i, f] of files.entries()) {
      const si = readStreamInfo(readFileSync(f));
      assert.equal(si.totalSamples, counts[i], `${f}: STREAMINFO total samples`);
      const md5 = execFileSync('flac', ['-s', '-d', '-c', '--force-raw-format', '--endian=little', '--sign=signed', f]);
      const want = execFileSync('md5sum', { input: md5 }).toString().slice(0, 32);
      const got = si.md5.toString('hex');
      assert.ok(got === want || /^0+$/.test(got), `${f}: MD5 right (${want}) or zero, got ${got}`);
    }
    assert.ok(Buffer.concat(decoded).equals(pcm), 'the files concatenate to the input');
  },
);
