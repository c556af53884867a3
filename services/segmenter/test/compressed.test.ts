import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { splitOggPages, SplitClock, ZoneClock } from '@isr/audio';
import type { CodecInit, SegmentClosedEvent } from '@isr/contract';
import { ffmpegSine, waitFor } from '@isr/testkit';
import { ffmpegErrors, mp3Frames, publishUnits, recordings, setup, type Harness, segmenterBacklog } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = Europe/Berlin\n`,
  );
  ffmpegSine(`${h.dir}/in.mp3`, { hz: 440, rate: 44100, seconds: 7 }, '-ac 1 -b:a 64k -write_xing 0 -id3v2_version 0');
  ffmpegSine(`${h.dir}/in.opus`, { hz: 440, rate: 44100, seconds: 7 }, '-c:a libopus -b:a 48k -page_duration 100000');
});
after(async () => h.cleanup());

const clock = new SplitClock(0.05, new ZoneClock('Europe/Berlin'));

function assertSplitAtFirstUnitAfterBoundary(starts: number[], unitMs: number): void {
  for (let i = 1; i < starts.length; i++) {
    const boundary = clock.next(starts[i - 1]!);
    assert.ok(starts[i]! >= boundary, `file ${i} starts at or after its boundary`);
    assert.ok(starts[i]! - unitMs < boundary, `file ${i} starts at the first unit after its boundary`);
  }
}

test('MP3 splits at frame boundaries; every file decodes; the files concatenate to the stream', async () => {
  const mp3 = readFileSync(`${h.dir}/in.mp3`);
  const units = mp3Frames(mp3);
  const { service } = await h.start();
  const t0 = Date.parse('2026-11-24T09:59:59.500Z');
  await publishUnits(
    h.bus,
    { source: 'radio', format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 1, session: 'm1', sessionStartMs: t0 },
    mp3,
    units,
    5,
  );
  await waitFor('mp3 files split', () => h.events.closed.filter((e) => e.source === 'radio').length >= 2, 20_000);
  await waitFor('all acknowledged', async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0, 20_000);
  const files = recordings(`${h.dir}/rec`, 'radio', 'mp3');
  await service.close();
  assert.equal(files.length, 4);
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} decodes cleanly`);
  assert.ok(Buffer.concat(files.map((f) => readFileSync(f))).equals(mp3));
  const closed = h.events.closed.filter((e) => e.source === 'radio');
  assertSplitAtFirstUnitAfterBoundary(
    closed.map((e) => Date.parse(e.start)),
    (1152 * 1000) / 44100,
  );
  assert.equal(
    closed.reduce((a, e) => a + e.frames, 0),
    units.length * 1152,
  );
  assertHashes(closed, files);
});

test('Ogg Opus: codec init from KV, pages renumbered and granules rebased so every file plays alone with its own duration', async () => {
  const ogg = readFileSync(`${h.dir}/in.opus`);
  const pages = splitOggPages(ogg);
  const headerPages = pages.filter((p) => p.granule === 0n);
  assert.equal(headerPages.length, 2);
  const audio = pages.slice(2);
  const init = Buffer.concat(headerPages.map((p) => p.bytes));
  const session = 'o1';
  const codec: CodecInit = {
    source: 'webradio',
    session,
    format: 'ogg',
    codec: 'opus',
    sampleRate: 48000,
    channels: 1,
    init: init.toString('base64'),
  };
  await h.bus.kv.codec.put('webradio', JSON.stringify(codec));
  await h.bus.kv.codec.put('webradio', JSON.stringify({ ...codec, session: 'newer', init: '' })); // the history is searched
  let prev = 0n;
  const units = audio.map((p) => {
    const u = { bytes: p.bytes.length, samples: Number(p.granule - prev) };
    prev = p.granule;
    return u;
  });
  const { service } = await h.start();
  const t0 = Date.parse('2026-11-24T10:00:01.000Z');
  await publishUnits(
    h.bus,
    { source: 'webradio', format: 'ogg', codec: 'opus', sampleRate: 48000, channels: 1, session, sessionStartMs: t0 },
    ogg.subarray(init.length),
    units,
    3,
  );
  await waitFor('ogg files split', () => h.events.closed.filter((e) => e.source === 'webradio').length >= 2, 20_000);
  await waitFor('all acknowledged', async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0, 20_000);
  await service.close();
  const files = recordings(`${h.dir}/rec`, 'webradio', 'ogg');
  assert.equal(files.length, 3);
  const closed = h.events.closed.filter((e) => e.source === 'webradio');
  let bodies = Buffer.alloc(0);
  for (const [i, f] of files.entries()) {
    assert.equal(ffmpegErrors(f), '', `${f} decodes cleanly`);
    const fp = splitOggPages(readFileSync(f));
    assert.deepEqual(
      fp.map((p) => p.sequence),
      fp.map((_, k) => k),
      'page sequence numbers run 0,1,2…',
    );
    assert.ok(
      Buffer.from(fp[0]!.bytes).equals(Buffer.from(headerPages[0]!.bytes)),
      'file starts with the identification header page',
    );
    const duration = Number(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', f]).toString(),
    );
    const expected = closed[i]!.frames / 48000;
    assert.ok(Math.abs(duration - expected) < 0.02, `ffprobe duration ${duration} ≈ ${expected} (granules rebased)`);
    for (const p of fp.slice(2)) bodies = Buffer.concat([bodies, Buffer.from(p.bytes.subarray(27 + p.bytes[26]!))]);
  }
  const original = Buffer.concat(audio.map((p) => Buffer.from(p.bytes.subarray(27 + p.bytes[26]!))));
  assert.ok(bodies.equals(original), 'audio packets are kept, in order, none lost or repeated');
  assertSplitAtFirstUnitAfterBoundary(
    closed.map((e) => Date.parse(e.start)),
    100,
  );
  assertHashes(closed, files);
});

/** Each closed event's sha256 (hashed as the pages and frames were appended) is the file's, as sha256sum says. */
function assertHashes(closed: readonly SegmentClosedEvent[], files: readonly string[]): void {
  assert.equal(closed.length, files.length);
  for (const [i, f] of files.entries())
    assert.equal(
      closed[i]!.sha256,
      execFileSync('sha256sum', [f], { encoding: 'utf8' }).split(' ')[0],
      `${f}: the event's SHA-256 is the file's`,
    );
}
