// A manifest append that fails (here the manifest's name is taken by a directory: a real EISDIR, as ENOSPC would
// be on a full disk) loses no entry: the closed file's entry stays in the source's journal, is retried at the next
// commit and, after a crash, by the next process at start-up — and the chain then verifies.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SplitClock, ZoneClock } from '@isr/audio';
import type { AudioChunkMeta, SegmentClosedEvent } from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import { isProblem, MANIFEST_FILE, ManifestWriter, verifySource } from '@isr/runtime';
import { tempDir } from '@isr/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { CodecInitCache } from '../src/codec-init.ts';
import type { SegmentEvents } from '../src/events.ts';
import { JournalStore } from '../src/journal.ts';
import { createSegmenterMetrics } from '../src/metrics.ts';
import { SourceWriter } from '../src/source-writer.ts';
import type { SourceSettings, WriterDeps } from '../src/writer-settings.ts';

const RATE = 8000;
const CHUNK = 800;

test('a failed manifest append waits in the journal: retried at the next commit, and after a crash by the next process', async () => {
  const tmp = await tempDir('isr-seg-manifest-');
  try {
    const zone = new ZoneClock('UTC');
    const settings: SourceSettings = {
      source: 'card',
      outputDirectory: tmp.path,
      template: '%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z',
      zone,
      split: new SplitClock(0.05, zone),
      pcmContainer: 'wav',
      flacCompression: 5,
      headerRewriteMs: 1000,
      idleGraceMs: 60_000,
    };
    const t0 = Date.parse('2026-11-24T12:00:00.000Z'); // boundaries every 3 s
    const input = Buffer.alloc(RATE * 10 * 2, 7);
    const meta = (offset: number): AudioChunkMeta => ({
      source: 'card',
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: RATE,
      channels: 1,
      session: 's1',
      sessionStartMs: t0,
      seq: offset / CHUNK + 1,
      offset,
      frames: CHUNK,
    });
    const msg = (offset: number) =>
      ({
        seq: offset / CHUNK + 1,
        data: input.subarray(offset * 2, (offset + CHUNK) * 2),
        ack() {},
        nak() {},
        term() {},
        working() {},
      }) as unknown as JsMsg;
    const closed: SegmentClosedEvent[] = [];
    const mkDeps = (): WriterDeps => ({
      log: pino({ level: 'silent' }),
      metrics: createSegmenterMetrics(new Registry()),
      events: {
        opened: async () => {},
        closed: async (e: SegmentClosedEvent) => {
          closed.push(e);
        },
      } as unknown as SegmentEvents,
      codecInit: {} as CodecInitCache,
      journal: new JournalStore(tmp.path),
      manifest: new ManifestWriter(),
      reader: { next: async () => null },
      now: () => t0,
    });
    const feed = async (w: SourceWriter, from: number, to: number) => {
      for (let o = from; o < to; o += CHUNK) await w.run(() => w.handle(msg(o), meta(o), null));
    };
    const dayDir = join(tmp.path, 'card', '2026-11-24');
    const manifest = join(dayDir, MANIFEST_FILE);
    const pending = () =>
      (
        JSON.parse(readFileSync(new JournalStore(tmp.path).fileOf('card'), 'utf8')) as {
          sources: { card: { manifest?: { body: { path: string } }[] } };
        }
      ).sources.card.manifest?.map((m) => m.body.path) ?? [];

    // 1. The manifest cannot be written: the first file closes anyway, its entry kept in the journal.
    mkdirSync(manifest, { recursive: true });
    const w1 = new SourceWriter(settings, mkDeps());
    await feed(w1, 0, RATE * 4); // 0–3 s closes at the boundary, 3–4 s stays open
    await w1.run(() => w1.commit());
    assert.equal(closed.length, 1);
    assert.deepEqual(pending(), [closed[0]!.path], 'the entry waits in the journal');

    // 2. Writable again: the next commit appends it.
    rmdirSync(manifest);
    await feed(w1, RATE * 4, RATE * 5);
    await w1.run(() => w1.commit());
    assert.deepEqual(pending(), []);
    assert.equal(readFileSync(manifest, 'utf8').trimEnd().split('\n').length, 1);

    // 3. Failing again when the second file closes (the manifest is moved aside): its entry waits. Then the
    //    process "crashes".
    renameSync(manifest, `${manifest}.aside`);
    mkdirSync(manifest);
    await feed(w1, RATE * 5, RATE * 7);
    await w1.run(() => w1.commit());
    assert.equal(closed.length, 2);
    assert.deepEqual(pending(), [closed[1]!.path]);

    // 4. The manifest is back; the next process appends the entry at start-up, before anything else.
    rmdirSync(manifest);
    renameSync(`${manifest}.aside`, manifest);
    const d2 = mkDeps();
    const { journal: j } = await d2.journal.read('card');
    const w2 = new SourceWriter(settings, d2);
    await w2.run(() => w2.recoverAtStart(j!));
    assert.deepEqual(pending(), [], 'appended, the journal forgets them');
    await feed(w2, 0, RATE * 10); // the replay: what is in files is skipped
    await w2.run(() => w2.shutdown());
    const lines = readFileSync(manifest, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.deepEqual(
      lines,
      closed.map((e) => e.path),
      'one entry per closed file, in order',
    );
    const reports = await verifySource({ root: tmp.path, source: 'card' });
    assert.deepEqual(
      reports.filter((r) => isProblem(r.status)),
      [],
    );
    assert.equal(reports.filter((r) => r.status === 'ok').length, closed.length);
  } finally {
    await tmp.remove();
  }
});
