// The tamper-evident archive from the segmenter's side: each closed file's SHA-256 (streamed while writing where
// the bytes are final as written) is in its closed event and in the per-day, hash-chained manifest, equal to
// what sha256sum says; the chain continues across a restart and past a torn last line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  isProblem,
  lineHash,
  MANIFEST_FILE,
  manifestGenesis,
  parseEntry,
  verifySource,
  type ManifestClosedEntry,
} from '@isr/runtime';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, segmenterBacklog, setup, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = Europe/Berlin\n\n[wav1]\ntype = soundcard\nformat = wav\n\n[flac1]\ntype = soundcard\nformat = flac\n`,
  );
});
after(async () => h.cleanup());

const sha256sum = (path: string): string => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]!;

function manifestLines(source: string, day: string): string[] {
  return readFileSync(join(h.dir, 'rec', source, day, MANIFEST_FILE), 'utf8')
    .trimEnd()
    .split('\n');
}

async function hashedMetric(
  registry: { getSingleMetricAsString(n: string): Promise<string> },
  method: string,
): Promise<number> {
  const text = await registry.getSingleMetricAsString('isr_segmenter_files_hashed_total');
  return Number(new RegExp(`method="${method}"[^}]*} (\\d+)`).exec(text)?.[1] ?? 0);
}

test("each closed file's SHA-256 is in its event and in the chained manifest, equal to sha256sum; a restart continues the chain", async () => {
  const rate = 16000;
  const frames = rate * 8 + 321;
  const sessionStartMs = Date.parse('2026-11-24T10:00:00.700Z');
  const pcm = pcmSignal(frames, 2);
  const half = rate * 4; // a whole number of chunks (the sequence numbers continue)
  const streams = ['wav1', 'flac1'].map((source) => ({
    source,
    session: `s-${source}`,
    sessionStartMs,
    sampleRate: rate,
    channels: 2,
  }));
  const first = await h.start();
  for (const s of streams) await publishPcm(h.bus, s, pcm, 1600, 0, half);
  await waitFor(
    'first half acknowledged',
    async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0 && h.events.closed.length >= 2,
    30_000,
  );
  await first.service.close(); // the files open now close early (idle or shutdown): they are read back to hash
  const streamedBefore = await hashedMetric(first.registry, 'stream');
  assert.ok(streamedBefore >= 1, 'a WAV closed at its split boundary was hashed while it was written');
  assert.ok(
    (await hashedMetric(first.registry, 'read')) >= 3,
    'FLAC files and WAV files closed early were read back once',
  );

  const second = await h.start();
  for (const s of streams) await publishPcm(h.bus, s, pcm, 1600, half);
  await waitFor(
    'second half acknowledged',
    async () =>
      (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0 &&
      (await segmenterBacklog(h.bus.jsm)).num_pending === 0,
    30_000,
  );
  await second.service.close();

  for (const source of ['wav1', 'flac1']) {
    const closed = h.events.closed.filter((e) => e.source === source);
    assert.ok(closed.length >= 4, `${source}: files closed before and after the restart`);
    const lines = manifestLines(source, '2026-11-24');
    assert.equal(lines.length, closed.length, `${source}: one manifest entry per closed file`);
    let prev = manifestGenesis(source);
    for (const [i, line] of lines.entries()) {
      const e = parseEntry(line) as ManifestClosedEntry;
      const ev = closed[i]!;
      assert.equal(e.op, 'closed');
      assert.equal(e.prev, prev, `${source} entry ${i + 1} chains to the one before it`);
      prev = lineHash(line);
      assert.equal(e.path, ev.path);
      assert.match(ev.sha256!, /^[0-9a-f]{64}$/);
      assert.equal(e.sha256, ev.sha256, 'the event and the manifest carry the same hash');
      assert.equal(
        e.sha256,
        sha256sum(join(h.dir, 'rec', e.path)),
        `${e.path}: sha256sum of the file equals the manifest's`,
      );
      assert.deepEqual([e.start, e.end, e.frames, e.bytes], [ev.start, ev.end, ev.frames, ev.bytes]);
    }
    const reports = await verifySource({ root: join(h.dir, 'rec'), source });
    assert.deepEqual(
      reports.filter((r) => isProblem(r.status)),
      [],
      `${source} verifies`,
    );
    assert.equal(reports.filter((r) => r.status === 'ok').length, closed.length);
  }
});

test('a torn last manifest line (an append cut short) is cut off at the next append and the chain goes on', async () => {
  const rate = 8000;
  const sessionStartMs = Date.parse('2026-11-25T08:00:00.000Z');
  const pcm = pcmSignal(rate * 4, 1, 3);
  const stream = { source: 'wav1', session: 's-torn', sessionStartMs, sampleRate: rate, channels: 1 };
  const day = '2026-11-25';
  const a = await h.start();
  await publishPcm(h.bus, stream, pcm, 800, 0, rate * 2);
  await waitFor('first file closed', () => h.events.closed.some((e) => e.session === 's-torn'), 30_000);
  await waitFor('acknowledged', async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0, 20_000);
  await a.service.close();
  const before = manifestLines('wav1', day);
  appendFileSync(join(h.dir, 'rec', 'wav1', day, MANIFEST_FILE), '{"op":"closed","prev":"00');
  const torn = await verifySource({ root: join(h.dir, 'rec'), source: 'wav1' });
  assert.deepEqual(
    torn.filter((r) => r.status === 'torn').map((r) => r.entry),
    [before.length + 1],
    'verify names the torn line, and it is no problem',
  );
  assert.deepEqual(
    torn.filter((r) => isProblem(r.status)),
    [],
  );

  const b = await h.start();
  await publishPcm(h.bus, stream, pcm, 800, rate * 2);
  await waitFor(
    'acknowledged',
    async () =>
      (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0 &&
      (await segmenterBacklog(h.bus.jsm)).num_pending === 0,
    20_000,
  );
  await b.service.close();
  const afterLines = manifestLines('wav1', day);
  assert.ok(afterLines.length > before.length);
  assert.deepEqual(afterLines.slice(0, before.length), before, 'the complete lines are kept');
  assert.equal(
    parseEntry(afterLines[before.length]!)!.prev,
    lineHash(before.at(-1)!),
    'the next entry follows the last complete line',
  );
  assert.deepEqual(
    (await verifySource({ root: join(h.dir, 'rec'), source: 'wav1' })).filter(
      (r) => isProblem(r.status) || r.status === 'torn',
    ),
    [],
  );
});
