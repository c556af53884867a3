// Bug (alsa-crash e2e, 1 run in 11): SIGKILL 0.256 s into a new FLAC file, after its first encoded block was
// flushed and journalled. The repair was right, but the continuation starts in the same second, so it got the
// same name plus a suffix, and `-1` sorted BEFORE the finished file (`X-1.flac` < `X.flac`): in name order the
// files no longer concatenated to the input. Numbered names now sort after the plain one (`X_1.flac`).
// Since issue 16 the interrupted FLAC file is continued instead (no second file for the period at all).
// Here the writer and journal are driven directly and the crash is placed exactly: the repaired and continued
// file plus the replay, decoded in name order, must equal the input, with one file per period.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, statSync, truncateSync } from 'node:fs';
import { test } from 'node:test';
import { SplitClock, ZoneClock } from '@isr/audio';
import type { AudioChunkMeta } from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import { ManifestWriter } from '@isr/runtime';
import { recordingFiles, tempDir } from '@isr/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { CodecInitCache } from '../src/codec-init.ts';
import type { SegmentEvents } from '../src/events.ts';
import { JournalStore } from '../src/journal.ts';
import { createSegmenterMetrics } from '../src/metrics.ts';
import { SourceWriter } from '../src/source-writer.ts';
import type { SourceSettings, WriterDeps } from '../src/writer-settings.ts';

const RATE = 16000;
const CHUNK = 1600;

function counter(from: number, frames: number): Buffer {
  const b = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) b.writeInt16LE(((from + i) & 0xffff) - ((from + i) & 0x8000 ? 0x10000 : 0), i * 2);
  return b;
}

function decode(path: string): Buffer {
  const quiet = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 };
  execFileSync('flac', ['-t', '-s', path], quiet); // throws when the file is damaged
  return execFileSync(
    'flac',
    ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', path],
    quiet,
  );
}

interface Crash {
  /** Frames fed (from the session start) before the commit that journals the new file. */
  journalAt: number;
  /** Frames fed before the crash (written by libFLAC, not journalled). */
  crashAt: number;
  /** Bytes of the unjournalled tail left on disk (a torn write), or garbage appended when negative. */
  tail: number;
  /** Frames of the new file the journal must hold. */
  journalled: number;
}

/** Writes, "crashes" at the given point, repairs as the segmenter does at start-up, replays everything. */
async function crashAndReplay(c: Crash): Promise<void> {
  const tmp = await tempDir('isr-seg-flac-first-block-');
  try {
    const zone = new ZoneClock('UTC');
    const settings: SourceSettings = {
      source: 'flac1',
      outputDirectory: tmp.path,
      template: '%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z',
      zone,
      split: new SplitClock(0.1, zone),
      pcmContainer: 'flac',
      flacCompression: 5,
      headerRewriteMs: 1000,
      idleGraceMs: 60_000,
    };
    const t0 = Date.parse('2026-11-24T12:00:03.000Z'); // boundary at 12:00:06 = offset 48000
    const total = RATE * 8;
    const input = counter(0, total);
    const meta = (offset: number, frames: number): AudioChunkMeta => ({
      source: 'flac1',
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: RATE,
      channels: 1,
      session: 's1',
      sessionStartMs: t0,
      seq: offset / CHUNK,
      offset,
      frames,
    });
    const msg = (offset: number, frames: number) =>
      ({
        data: input.subarray(offset * 2, (offset + frames) * 2),
        ack() {},
        nak() {},
        term() {},
        working() {},
      }) as unknown as JsMsg;
    const mkDeps = (): WriterDeps => ({
      log: pino({ level: 'silent' }),
      metrics: createSegmenterMetrics(new Registry()),
      events: { opened: async () => {}, closed: async () => {} } as unknown as SegmentEvents,
      codecInit: {} as CodecInitCache,
      journal: new JournalStore(tmp.path),
      manifest: new ManifestWriter(),
      reader: { next: async () => null },
      now: () => t0,
    });
    const feed = async (w: SourceWriter, from: number, to: number) => {
      for (let o = from; o < to; o += CHUNK) await w.run(() => w.handle(msg(o, CHUNK), meta(o, CHUNK), null));
    };

    // 1. Write into the second file (it starts at 12:00:06) and commit: the journal records what libFLAC flushed.
    const w1 = new SourceWriter(settings, mkDeps());
    await feed(w1, 0, c.journalAt);
    await w1.run(() => w1.commit());
    // 2. More is encoded and written but never journalled, then the process dies (no close, no finish).
    await feed(w1, c.journalAt, c.crashAt);
    const d2 = mkDeps();
    const { journal: j } = await d2.journal.read('flac1');
    assert.ok(j?.file, 'the journal has an open file');
    assert.equal(j.file.firstOffset, 48000);
    assert.equal(j.file.frames, c.journalled);
    const onDisk = statSync(j.file.path).size;
    if (c.tail >= 0) {
      assert.ok(onDisk > j.file.byteLength + c.tail, 'libFLAC wrote an unjournalled frame');
      truncateSync(j.file.path, j.file.byteLength + c.tail);
    } else {
      appendFileSync(j.file.path, Buffer.alloc(-c.tail, 0xa5));
    }

    // 3. Restart: repair and continue as the segmenter does, then replay everything (what is in files is skipped).
    const w2 = new SourceWriter(settings, d2);
    await w2.run(() => w2.recoverAtStart(j));
    await feed(w2, 0, total);
    await w2.run(() => w2.shutdown());

    const continued = decode(j.file.path);
    assert.ok(
      continued.equals(input.subarray(48000 * 2)),
      'the repaired file is continued: it holds its whole period (to the end of the input)',
    );
    const list = recordingFiles(tmp.path, 'flac1', 'flac');
    assert.equal(list.length, 2, 'one file per period, no continuation file');
    const names = list.map((f) => f.slice(tmp.path.length)).join(', ');
    const all = Buffer.concat(list.map(decode));
    assert.equal(all.length, input.length, `every frame once in ${names}`);
    assert.ok(all.equals(input), `the files in name (= time) order concatenate to the input: ${names}`);
  } finally {
    await tmp.remove();
  }
}

test('FLAC crash 0.3 s into a new file, first block journalled, torn tail: repaired + continuation + replay equal the input', async () => {
  await crashAndReplay({ journalAt: 48000 + 4800, crashAt: 48000 + 9600, tail: 5, journalled: 4096 });
});

test('FLAC crash 0.3 s into a new file, first block journalled, garbage after it: repaired + continuation + replay equal the input', async () => {
  await crashAndReplay({ journalAt: 48000 + 4800, crashAt: 48000 + 4800, tail: -777, journalled: 4096 });
});

test('FLAC crash in a new file before its first block was journalled, first frame torn: empty repaired file + continuation + replay equal the input', async () => {
  await crashAndReplay({ journalAt: 48000 + 1600, crashAt: 48000 + 4800, tail: 11, journalled: 0 });
});
