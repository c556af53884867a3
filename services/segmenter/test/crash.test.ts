// SIGKILL the real segmenter process mid-file (WAV and FLAC at once), restart it: every file decodes and the
// concatenation of each source's files equals what was published — nothing lost, nothing written twice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalStore, type Journal } from '../src/journal.ts';
import { isProblem, MANIFEST_FILE, parseEntry, verifySource, type ManifestClosedEntry } from '@isr/runtime';
import { freePort, startService, waitFor } from '@isr/testkit';
import {
  flacSamples,
  pcmSignal,
  publishPcm,
  recordings,
  setup,
  wavSamples,
  type Harness,
  segmenterBacklog,
} from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = Europe/Berlin\nheader_rewrite_seconds = 1\n\n[wav1]\ntype = soundcard\nformat = wav\n\n[flac1]\ntype = soundcard\nformat = flac\n`,
  );
});
after(async () => h.cleanup());

function journal(source: string): Journal | null {
  const p = new JournalStore(`${h.dir}/rec`).fileOf(source);
  return existsSync(p)
    ? ((JSON.parse(readFileSync(p, 'utf8')) as { sources: Record<string, Journal> }).sources[source] ?? null)
    : null;
}

test('SIGKILL mid-file while writing WAV and FLAC: restart repairs, resumes and loses or repeats nothing', async () => {
  const rate = 16000;
  const channels = 2;
  const frames = rate * 12;
  const chunk = 1600;
  const pcm = { wav1: pcmSignal(frames, channels, 3), flac1: pcmSignal(frames, channels, 9) };
  const t0 = Date.parse('2026-11-24T12:00:01.300Z');
  const env = { NATS_URL: h.nats.url, METRICS_PORT: String(await freePort()) };
  let seg = startService('segmenter', ['--config', h.configFile], env);
  await waitFor('segmenter consuming', () => seg.output().includes('segmenter consuming'), 20_000);

  const publishRange = async (from: number, to: number) => {
    for (let f = from; f < to; f += chunk * 4) {
      await Promise.all(
        (['wav1', 'flac1'] as const).map((s) =>
          publishPcm(
            h.bus,
            { source: s, session: `sess-${s}`, sessionStartMs: t0, sampleRate: rate, channels },
            pcm[s],
            chunk,
            f,
            Math.min(to, f + chunk * 4),
          ),
        ),
      );
      await sleep(20);
    }
  };
  const half = Math.floor(frames / 2 / chunk) * chunk;
  await publishRange(0, half);
  await waitFor(
    'both sources mid-file with a durable journal',
    () => {
      const w = journal('wav1');
      const f = journal('flac1');
      return w?.file && w.file.frames > 0 && f?.file && f.file.frames > 0;
    },
    20_000,
  );
  // Keep publishing while the kill happens, so chunks are in flight, written and not yet acknowledged.
  const more = publishRange(half, half + chunk * 16);
  await sleep(150);
  seg.child.kill('SIGKILL');
  await seg.exited;
  await more;
  // A crash can leave bytes after the journalled length (written, not acknowledged): simulate a torn write.
  const open = journal('wav1')!.file!;
  const openAtKill = { wav1: open.rel, flac1: journal('flac1')!.file!.rel };
  appendFileSync(open.path, Buffer.alloc(1001, 0x55));
  await publishRange(half + chunk * 16, frames);

  seg = startService('segmenter', ['--config', h.configFile], { ...env, METRICS_PORT: String(await freePort()) });
  // The killed process's leases lapse after their TTL (60 % of failover_seconds); then the new one takes them.
  const continued = () => seg.output().match(/repaired a file left open; continuing it/g)?.length ?? 0;
  await waitFor('the WAV and the FLAC file both continued', () => continued() === 2, 30_000, 100);
  const consuming = () =>
    seg.logs().filter((l) => l.msg === 'consuming the source') as {
      source: string;
      start: unknown;
      replaced: string[];
    }[];
  await waitFor('both sources consumed', () => consuming().length === 2, 10_000, 100);
  for (const c of consuming()) {
    assert.equal(
      typeof c.start,
      'number',
      `${c.source}: its consumer starts at the killed one's ack floor, to replay what it had not acknowledged`,
    );
    assert.equal(c.replaced.length, 1, `${c.source}: the killed process's consumer is replaced`);
  }
  await waitFor(
    'everything delivered',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending <= 1;
    },
    60_000,
    250,
  );
  await sleep(1500);
  assert.equal(await seg.stop('SIGTERM'), 0);

  const wavFiles = recordings(`${h.dir}/rec`, 'wav1', 'wav');
  assert.ok(
    Buffer.concat(wavFiles.map(wavSamples)).equals(pcm.wav1),
    'WAV files concatenate to the input after the crash',
  );
  const flacFiles = recordings(`${h.dir}/rec`, 'flac1', 'flac');
  assert.ok(
    Buffer.concat(flacFiles.map(flacSamples)).equals(pcm.flac1),
    'FLAC files (each passing flac -t) concatenate to the input after the crash',
  );
  assert.equal(
    flacFiles.length,
    wavFiles.length,
    'the interrupted FLAC file was continued like the WAV one: as many files as WAV, one per period',
  );

  // The archive verifies: every file's hash is its manifest entry's, the chain runs across the kill and restart;
  // the files continued after the crash (WAV header sizes and FLAC STREAMINFO patched in place) included.
  for (const [source, files] of [
    ['wav1', wavFiles],
    ['flac1', flacFiles],
  ] as const) {
    const reports = await verifySource({ root: `${h.dir}/rec`, source });
    assert.deepEqual(
      reports.filter((r) => isProblem(r.status)),
      [],
      `${source}: the archive verifies after the kill`,
    );
    assert.equal(
      reports.filter((r) => r.status === 'ok').length,
      files.length,
      `${source}: every file has its manifest entry`,
    );
    const entries = readFileSync(`${h.dir}/rec/${source}/2026-11-24/${MANIFEST_FILE}`, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => parseEntry(l) as ManifestClosedEntry);
    const killed = entries.findLast((e) => e.path === openAtKill[source]);
    assert.ok(killed, `${source}: the file open at the kill has its entry`);
    assert.equal(
      killed.sha256,
      execFileSync('sha256sum', [`${h.dir}/rec/${killed.path}`], { encoding: 'utf8' }).split(' ')[0],
      `${source}: sha256sum of the file continued after the crash equals the manifest's`,
    );
  }
});
