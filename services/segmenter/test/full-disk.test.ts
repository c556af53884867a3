// Issue 16, as an operator tried it: recordings on a 4 MiB filesystem that fills, held full for 30 s, then
// space freed by moving finished files away. Nothing the bus still holds may be lost: no `_N` files, no empty
// files, every file plays, and the moved plus the remaining files hold one contiguous frame counter.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceStatus } from '@isr/contract';
import { verifySource } from '@isr/runtime';
import { freePort, startService, waitFor } from '@isr/testkit';
import {
  ffmpegErrors,
  assertFlacFiles,
  publishPcm,
  recordings,
  setup,
  wavSamples,
  type Harness,
  segmenterBacklog,
} from './harness.ts';
import { JournalStore } from '../src/journal.ts';

const RATE = 16000;
const CHUNK = 1600;

/** s16le mono whose sample i is the frame counter i (mod 2^16): any loss, repeat or shift shows. */
function counter(frames: number): Buffer {
  const b = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) b.writeUInt16LE(i & 0xffff, i * 2);
  return b;
}

/** Deterministic noise (xorshift32): FLAC cannot shrink it, so the FLAC source needs the disk as much as WAV. */
function noise(frames: number): Buffer {
  const b = Buffer.alloc(frames * 2);
  let x = 2463534242;
  for (let i = 0; i < frames; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeInt16LE((x >> 16) & 0x7fff, i * 2);
  }
  return b;
}

let h: Harness;
let mounted = false;
let mountError = '';
before(async () => {
  h = await setup((dir) => {
    const rec = `${dir}/rec`;
    mkdirSync(rec, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', rec], { stdio: ['ignore', 'ignore', 'pipe'] });
      mounted = true;
    } catch (err) {
      mountError = String((err as { stderr?: Buffer }).stderr ?? err).trim();
    }
    return `[general]\noutput_directory = ${rec}\nsplit_minutes = 0.25\ntimezone = UTC\nmin_free_mb = 0\nstatus_interval_seconds = 0.5\nheader_rewrite_seconds = 1\n\n[full]\ntype = soundcard\n\n[fullflac]\ntype = soundcard\nformat = flac\n\n[boot]\ntype = soundcard\n`;
  });
});
after(async () => {
  await h.cleanup().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', `${h.dir}/rec`]);
  rmSync(h.dir, { recursive: true, force: true });
});

/** Skips the test (saying why) where the tmpfs could not be mounted. */
function skipUnmounted(t: TestContext): boolean {
  if (!mounted) t.skip(`cannot mount a 4 MiB tmpfs here (${mountError || 'not root?'}): full-disk test not run`);
  return !mounted;
}

/** For a test after the first: the services stopped and the tmpfs emptied; its path, or null when skipped. */
async function emptyDisk(t: TestContext): Promise<string | null> {
  if (skipUnmounted(t)) return null;
  await h.closeServices();
  const rec = `${h.dir}/rec`;
  for (const n of readdirSync(rec)) rmSync(join(rec, n), { recursive: true, force: true });
  return rec;
}

async function recorderState(source = 'full'): Promise<string | undefined> {
  const kv = await h.bus.kv.status.get(source);
  return kv?.json<SourceStatus>().recorder?.state;
}

test(
  'full disk (4 MiB tmpfs, held full 30 s, then files moved away): same file retried, nothing lost, no _N files — WAV and FLAC',
  { timeout: 120_000 },
  async (t) => {
    if (skipUnmounted(t)) return;
    const rec = `${h.dir}/rec`;
    const moved = `${h.dir}/moved`;
    const total = RATE * 150; // 4.8 MB of audio for a 4 MiB filesystem
    const pcm = counter(total);
    const t0 = Date.now();
    const mark = (what: string) => t.diagnostic(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const { service } = await h.start();
    const flacPcm = noise(RATE * 60);
    await publishPcm(
      h.bus,
      {
        source: 'fullflac',
        session: 'ff1',
        sessionStartMs: Date.parse('2026-11-24T08:00:07Z'),
        sampleRate: RATE,
        channels: 1,
      },
      flacPcm,
      CHUNK,
      0,
      RATE * 30,
    );
    await publishPcm(
      h.bus,
      {
        source: 'full',
        session: 'f1',
        sessionStartMs: Date.parse('2026-11-24T08:00:00Z'),
        sampleRate: RATE,
        channels: 1,
      },
      pcm,
      CHUNK,
    );

    mark('published');
    await waitFor(
      'recorder state disk_full in KV isr_status',
      async () => (await recorderState()) === 'disk_full',
      30_000,
      200,
    );
    await waitFor(
      'status.json says disk_full',
      () => {
        try {
          return (
            (JSON.parse(readFileSync(`${rec}/status.json`, 'utf8')) as { sources: Record<string, { state: string }> })
              .sources.full?.state === 'disk_full'
          );
        } catch {
          return false;
        }
      },
      10_000,
      200,
    );
    assert.ok(service.health().ok, 'a full disk is not a dead service');
    mark('disk_full seen');

    // Hold it full for 30 s: the segmenter retries; it must not spray new file names or empty files. The FLAC
    // source goes on publishing meanwhile and meets the full disk too.
    await publishPcm(
      h.bus,
      {
        source: 'fullflac',
        session: 'ff1',
        sessionStartMs: Date.parse('2026-11-24T08:00:07Z'),
        sampleRate: RATE,
        channels: 1,
      },
      flacPcm,
      CHUNK,
      RATE * 30,
    );
    await waitFor(
      'the FLAC source held too',
      async () => (await recorderState('fullflac')) === 'disk_full',
      10_000,
      200,
    );
    await sleep(30_000);
    const held = recordings(rec, 'full', 'wav');
    assert.deepEqual(
      held.filter((f) => /_\d+\.wav$/.test(f)),
      [],
      'no _N file while full',
    );
    assert.deepEqual(
      held.filter((f) => statSync(f).size <= 44),
      [],
      'no empty file while full',
    );
    assert.equal(await recorderState(), 'disk_full', 'still holding after 30 s (no hole accepted)');

    // Free space as an operator would: move every finished file away (copy out of the tmpfs, then delete).
    const open = (await h.bus.kv.status.get('full'))?.json<SourceStatus>().recorder?.file;
    assert.ok(open, 'the status names the file being held open');
    const openFlac = (await h.bus.kv.status.get('fullflac'))?.json<SourceStatus>().recorder?.file;
    for (const f of [...held, ...recordings(rec, 'fullflac', 'flac')]) {
      if (f.endsWith(open) || (openFlac && f.endsWith(openFlac))) continue;
      const to = join(moved, f.slice(rec.length));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(f, to);
      rmSync(f);
    }
    mark('space freed');
    await waitFor(
      'every chunk written and acknowledged',
      async () => {
        const ci = await segmenterBacklog(h.bus.jsm);
        return ci.num_pending === 0 && ci.num_ack_pending === 0;
      },
      45_000,
      250,
    );
    assert.notEqual(await recorderState(), 'disk_full', 'disk_full ends once the held audio is written');
    mark('caught up');
    await service.close();

    const files = [...recordings(rec, 'full', 'wav'), ...recordings(moved, 'full', 'wav')].sort((a, b) =>
      basename(a).localeCompare(basename(b)),
    );
    assert.deepEqual(
      files.filter((f) => /_\d+\.wav$/.test(f)),
      [],
      'no _N files',
    );
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${basename(f)} plays`);
    const all = Buffer.concat(files.map(wavSamples));
    assert.equal(all.length, pcm.length, `every frame exactly once across ${files.length} files`);
    assert.ok(all.equals(pcm), 'moved + remaining files form one contiguous frame counter');
    const flacFiles = [...recordings(rec, 'fullflac', 'flac'), ...recordings(moved, 'fullflac', 'flac')].sort((a, b) =>
      basename(a).localeCompare(basename(b)),
    );
    assertFlacFiles(flacFiles, [RATE * 8, RATE * 15, RATE * 15, RATE * 15, RATE * 7], flacPcm); // 15 s periods
    const leftovers = readdirSync(rec).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no temp files left behind');

    // The archive verifies after the episode (manifest appends that met the full disk were cut back and appended
    // again from the journal): the moved files put back beside the remaining ones and the manifests.
    cpSync(rec, moved, { recursive: true });
    for (const [source, n] of [
      ['full', files.length],
      ['fullflac', flacFiles.length],
    ] as const) {
      const reports = await verifySource({ root: moved, source });
      assert.deepEqual(
        reports.filter((r) => r.status !== 'ok'),
        [],
        `${source}: every file ok, the chain whole, no torn line`,
      );
      assert.equal(reports.length, n, `${source}: one entry per file`);
    }
  },
);

test(
  'start-up on a full disk: no crash loop — the source is held, and written once space returns',
  { timeout: 120_000 },
  async (t) => {
    const rec = await emptyDisk(t);
    if (!rec) return;
    const total = RATE * 20;
    const pcm = counter(total);
    const stream = {
      source: 'boot',
      session: 'b1',
      sessionStartMs: Date.parse('2026-11-24T09:00:02Z'),
      sampleRate: RATE,
      channels: 1,
    };
    const env = { NATS_URL: h.nats.url, METRICS_PORT: String(await freePort()) };
    const first = startService('segmenter', ['--config', h.configFile], env);
    await waitFor('segmenter consuming', () => first.output().includes('segmenter consuming'), 20_000);
    await publishPcm(h.bus, stream, pcm, CHUNK, 0, RATE * 5);
    await waitFor(
      'a file open mid-period',
      () => {
        try {
          const j = JSON.parse(readFileSync(new JournalStore(rec).fileOf('boot'), 'utf8')) as {
            sources: Record<string, { file: { frames: number } | null }>;
          };
          return (j.sources.boot?.file?.frames ?? 0) >= RATE * 4;
        } catch {
          return false;
        }
      },
      20_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // The disk fills while the segmenter is down.
    spawnSync('dd', ['if=/dev/zero', `of=${rec}/filler`, 'bs=64k'], { stdio: 'ignore' });
    await publishPcm(h.bus, stream, pcm, CHUNK, RATE * 5);

    const second = startService('segmenter', ['--config', h.configFile], {
      ...env,
      METRICS_PORT: String(await freePort()),
    });
    try {
      await waitFor(
        'restarted on a full disk',
        () => second.output().includes('segmenter consuming') || second.child.exitCode !== null,
        20_000,
      );
      assert.equal(second.child.exitCode, null, `no crash on a full disk:\n${second.output().slice(-2000)}`);
      await waitFor(
        'the source shows disk_full',
        async () => (await recorderState('boot')) === 'disk_full',
        15_000,
        200,
      );
      await sleep(2000);
      assert.equal(second.child.exitCode, null, 'still running while full');
      rmSync(`${rec}/filler`);
      await waitFor(
        'everything written and acknowledged',
        async () => {
          const ci = await segmenterBacklog(h.bus.jsm);
          return ci.num_pending === 0 && ci.num_ack_pending === 0;
        },
        30_000,
        250,
      );
      assert.match(second.output(), /disk full over: the held audio is written/);
      assert.equal(await second.stop('SIGTERM'), 0);
    } finally {
      await second.stop('SIGKILL');
    }
    const files = recordings(rec, 'boot', 'wav');
    assert.deepEqual(
      files.filter((f) => /_\d+\.wav$/.test(f)),
      [],
      'no _N files',
    );
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${basename(f)} plays`);
    assert.ok(Buffer.concat(files.map(wavSamples)).equals(pcm), 'one contiguous frame counter');
  },
);

test(
  "a full disk outlasting the stream's retention: a gap only for the audio JetStream dropped, and exactly that gap",
  { timeout: 120_000 },
  async (t) => {
    const rec = await emptyDisk(t);
    if (!rec) return;
    const rate = 8000;
    const chunk = 800;
    const pcm = counter(rate * 12);
    const t0 = Date.parse('2026-11-24T10:00:00Z');
    const stream = { source: 'gapped', session: 'g1', sessionStartMs: t0, sampleRate: rate, channels: 1 };
    const audio = await h.bus.jsm.streams.info('ISR_AUDIO');
    const seqOf = (chunkIndex: number) => audio.state.last_seq + 1 + chunkIndex; // chunks are published alone
    const { service } = await h.start();
    const drained = async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    };
    await publishPcm(h.bus, stream, pcm, chunk, 0, rate * 2); // chunks 0–19: written
    await waitFor('the first 2 s written', drained, 20_000, 100);
    spawnSync('dd', ['if=/dev/zero', `of=${rec}/filler`, 'bs=64k'], { stdio: 'ignore' });
    await publishPcm(h.bus, stream, pcm, chunk, rate * 2); // chunks 20–119: held
    await waitFor('held as disk_full', async () => (await recorderState('gapped')) === 'disk_full', 15_000, 200);
    // Retention runs out for chunks 20–39 (as ISR_AUDIO's max age would): only they may become a gap.
    await h.bus.jsm.streams.purge('ISR_AUDIO', { seq: seqOf(40) });
    rmSync(`${rec}/filler`);
    await waitFor('caught up', drained, 30_000, 200);
    await service.close();

    const files = recordings(rec, 'gapped', 'wav');
    const expected = Buffer.concat([pcm.subarray(0, rate * 2 * 2), pcm.subarray(rate * 4 * 2)]);
    assert.ok(
      Buffer.concat(files.map(wavSamples)).equals(expected),
      'everything the stream still held is in the files, in order',
    );
    const gaps = h.events.opened.filter((e) => e.source === 'gapped').flatMap((e) => e.gaps);
    assert.deepEqual(
      gaps,
      [
        {
          start: new Date(t0 + 2000).toISOString(),
          end: new Date(t0 + 4000).toISOString(),
          seconds: 2,
          reason: 'discontinuity',
        },
      ],
      'one gap: exactly the purged 2 s',
    );
  },
);
