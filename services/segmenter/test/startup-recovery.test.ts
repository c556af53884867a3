// Issue 16: start-up must never crash-loop. A segmenter SIGKILLed mid-file is restarted (a) with its journal
// torn — the journal is set aside and the open WAV file is recovered from its own header and the stream — and
// (b) with the file its journal points at gone. Both keep recording, and the files hold exactly the audio.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startService, waitFor } from '@isr/testkit';
import { JournalStore, type Journal } from '../src/journal.ts';
import {
  ffmpegErrors,
  assertFlacFiles,
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
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nheader_rewrite_seconds = 1\nmin_free_mb = 0\n\n[torn]\ntype = soundcard\n\n[gone]\ntype = soundcard\n\n[tornflac]\ntype = soundcard\nformat = flac\n`,
  );
});
after(async () => h.cleanup());

const RATE = 16000;
const CHUNK = 1600;
const journalPath = (source: string) => new JournalStore(`${h.dir}/rec`).fileOf(source);
function journal(source: string): Journal | null {
  try {
    return (
      (JSON.parse(readFileSync(journalPath(source), 'utf8')) as { sources: Record<string, Journal> }).sources[source] ??
      null
    );
  } catch {
    return null;
  }
}

/** Runs the real segmenter, publishes the first half of `pcm` and SIGKILLs it mid-file (chunks in flight). */
async function killMidFile(
  source: string,
  pcm: Buffer,
  t0: number,
): Promise<{ half: number; publishRest: () => Promise<void> }> {
  const stream = { source, session: `s-${source}`, sessionStartMs: t0, sampleRate: RATE, channels: 1 };
  const total = pcm.length / 2;
  const half = Math.floor(total / 2 / CHUNK) * CHUNK;
  const seg = startService('segmenter', ['--config', h.configFile], {
    NATS_URL: h.nats.url,
    METRICS_PORT: String(await freePort()),
  });
  await waitFor('segmenter consuming', () => seg.output().includes('segmenter consuming'), 20_000);
  for (let f = 0; f < half; f += CHUNK * 4) {
    await publishPcm(h.bus, stream, pcm, CHUNK, f, Math.min(half, f + CHUNK * 4));
    await sleep(15);
  }
  await waitFor(`${source} mid-file with a durable journal`, () => (journal(source)?.file?.frames ?? 0) > 0, 20_000);
  const more = publishPcm(h.bus, stream, pcm, CHUNK, half, half + CHUNK * 12);
  await sleep(100);
  seg.child.kill('SIGKILL');
  await seg.exited;
  await more;
  return { half, publishRest: () => publishPcm(h.bus, stream, pcm, CHUNK, half + CHUNK * 12, total) };
}

async function restartAndDrain(): Promise<string> {
  const seg = startService('segmenter', ['--config', h.configFile], {
    NATS_URL: h.nats.url,
    METRICS_PORT: String(await freePort()),
  });
  await waitFor(
    'segmenter restarted and consuming',
    () => seg.output().includes('segmenter consuming') || seg.child.exitCode !== null,
    20_000,
  );
  assert.equal(seg.child.exitCode, null, `the segmenter started (no crash loop):\n${seg.output().slice(-3000)}`);
  await waitFor(
    'everything delivered and acknowledged',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    },
    40_000,
    250,
  );
  await sleep(500);
  assert.equal(await seg.stop('SIGTERM'), 0);
  return seg.output();
}

test(
  'a torn journal: set aside with a clear log line; the open WAV file is recovered from disk and the stream — nothing lost, nothing twice',
  { timeout: 120_000 },
  async () => {
    const pcm = pcmSignal(RATE * 12, 1, 5);
    const { publishRest } = await killMidFile('torn', pcm, Date.parse('2026-11-24T12:00:01.300Z'));
    const open = journal('torn')!.file!;
    writeFileSync(journalPath('torn'), readFileSync(journalPath('torn'), 'utf8').slice(0, 40)); // torn in the middle
    await publishRest();

    const out = await restartAndDrain();
    assert.match(out, /the segmenter journal is unreadable: set aside/);
    assert.match(out, /rebuilt the journal of a WAV file left open by a crash/);
    assert.ok(
      readdirSync(`${h.dir}/rec/.isr/segmenter`).some((n) => n.startsWith('journal-torn.json.corrupt-')),
      'the torn journal is kept aside for a look',
    );
    const files = recordings(`${h.dir}/rec`, 'torn', 'wav');
    assert.ok(files.includes(open.path), 'the file left open was continued under its own name');
    assert.deepEqual(
      files.filter((f) => /_\d+\.wav$/.test(f)),
      [],
      'no _N file',
    );
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} plays`);
    assert.ok(Buffer.concat(files.map(wavSamples)).equals(pcm), 'the files concatenate to the input exactly');
  },
);

test(
  'a journal pointing at a file that is gone: a log line, recording goes on after it',
  { timeout: 120_000 },
  async () => {
    const pcm = pcmSignal(RATE * 12, 1, 9);
    const { publishRest } = await killMidFile('gone', pcm, Date.parse('2026-11-24T13:00:01.300Z'));
    const open = journal('gone')!.file!;
    rmSync(open.path);
    await publishRest();

    const out = await restartAndDrain();
    assert.match(out, /file left open by a crash is gone; continuing without it/);
    const files = recordings(`${h.dir}/rec`, 'gone', 'wav');
    assert.ok(!existsSync(open.path));
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} plays`);
    // Everything but the vanished file's journalled audio, in order, once.
    const expected = Buffer.concat([
      pcm.subarray(0, open.firstOffset * 2),
      pcm.subarray((open.firstOffset + open.frames) * 2),
    ]);
    assert.ok(Buffer.concat(files.map(wavSamples)).equals(expected), 'the other files hold the rest exactly');
  },
);

test(
  'a torn journal with a FLAC file open: rebuilt from its metadata and CRC-checked frames, continued — one file per period, nothing lost',
  { timeout: 120_000 },
  async () => {
    const pcm = pcmSignal(RATE * 12, 1, 13);
    const { publishRest } = await killMidFile('tornflac', pcm, Date.parse('2026-11-24T14:00:01.300Z'));
    const open = journal('tornflac')!.file!;
    writeFileSync(journalPath('tornflac'), '{"v":1,"sources":{"tornflac":');
    await publishRest();

    const out = await restartAndDrain();
    assert.match(out, /rebuilt the journal of a FLAC file left open by a crash/);
    const files = recordings(`${h.dir}/rec`, 'tornflac', 'flac');
    assert.ok(files.includes(open.path), 'the FLAC file left open was continued under its own name');
    assertFlacFiles(files, [RATE * 1.7, RATE * 3, RATE * 3, RATE * 3, RATE * 1.3], pcm); // 3 s periods
  },
);
