// The disk guard on a real, small filesystem: 90 s of 48 kHz stereo WAV (192 kB/s, 17 MB) recorded onto a
// 12 MiB tmpfs with min_free_mb = 4, published ten times faster than real time. Nothing fails for lack of
// space, the free space never drops below the floor, the oldest files go first (each with its event), and
// the files that remain hold one unbroken run of the frame counter up to the last frame published.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@isr/testkit';
import { publishPcm, recordings, setup, wavSamples, type Harness, segmenterBacklog } from './harness.ts';

const RATE = 48000;
const CHANNELS = 2;
const SECONDS = 90;
const CHUNK = 4800; // 100 ms
const FLOOR = 4 * 1024 * 1024;

let h: Harness;
let mounted = false;
let mountProblem = '';
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.1\ntimezone = UTC\nmin_free_mb = 4\ndisk_check_seconds = 0.05\n\n[card1]\ntype = soundcard\nformat = wav\n`,
  );
  mkdirSync(`${h.dir}/rec`);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', `${h.dir}/rec`], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    mountProblem = String((err as { stderr?: Buffer }).stderr ?? err).trim();
  }
});
after(async () => {
  if (mounted) {
    await h.closeServices();
    execFileSync('umount', [`${h.dir}/rec`]);
  }
  await h.cleanup();
});

/** Frame i: left = low 16 bits of i, right = high 16 bits: a frame counter that survives any split. */
function counterSignal(frames: number): Buffer {
  const b = Buffer.alloc(frames * CHANNELS * 2);
  for (let i = 0; i < frames; i++) {
    b.writeUInt16LE(i & 0xffff, i * 4);
    b.writeUInt16LE(i >>> 16, i * 4 + 2);
  }
  return b;
}

test('disk guard: 90 s of WAV on a 12 MiB filesystem with min_free_mb = 4 — no ENOSPC, never below the floor, oldest deleted first, the rest contiguous', async (t) => {
  if (!mounted) {
    t.skip(`cannot mount a tmpfs here (needs root): ${mountProblem}`);
    return;
  }
  const root = `${h.dir}/rec`;
  const freeNow = () => {
    const s = statfsSync(root);
    return s.bavail * s.bsize;
  };
  let minFree = freeNow();
  const sampler = setInterval(() => (minFree = Math.min(minFree, freeNow())), 5);

  const frames = RATE * SECONDS;
  const pcm = counterSignal(frames);
  const stream = { source: 'card1', session: 'dg1', sessionStartMs: Date.now(), sampleRate: RATE, channels: CHANNELS };
  const { service, registry } = await h.start();
  const t0 = Date.now();
  // Ten times real time: one second of audio every 100 ms.
  for (let f = 0, i = 0; f < frames; f += RATE, i++) {
    await publishPcm(h.bus, stream, pcm, CHUNK, f, Math.min(frames, f + RATE));
    const wait = t0 + (i + 1) * 100 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await waitFor(
    'every chunk written and acknowledged',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    },
    30_000,
    100,
  );
  await service.close();
  clearInterval(sampler);
  minFree = Math.min(minFree, freeNow());

  const writeErrors = (await registry.getSingleMetric('isr_segmenter_write_errors_total')!.get()).values.reduce(
    (a, v) => a + v.value,
    0,
  );
  assert.equal(writeErrors, 0, 'no write failed (no ENOSPC)');
  assert.deepEqual(
    h.events.closed.filter((e) => e.reason === 'error'),
    [],
    'no file was closed by a write error',
  );
  assert.ok(minFree >= FLOOR, `free space stayed at or above 4 MiB (lowest seen: ${minFree} bytes)`);

  // The files that remain: one unbroken run of the counter, ending with the last frame published.
  const files = recordings(root, 'card1', 'wav');
  const data = Buffer.concat(files.map(wavSamples));
  const n = data.length / 4;
  const first = data.readUInt16LE(0) + data.readUInt16LE(2) * 65536;
  for (let i = 0; i < n; i++) {
    const c = data.readUInt16LE(i * 4) + data.readUInt16LE(i * 4 + 2) * 65536;
    if (c !== first + i) assert.fail(`frame ${i} of the remaining files holds counter ${c}, expected ${first + i}`);
  }
  assert.equal(first + n, frames, 'the remaining files end with the last frame published');
  assert.ok(first > 0, 'older files were deleted');

  // Deleted: exactly the oldest files, oldest first, each announced once with its size.
  await waitFor('deleted events arrived', () => h.events.deleted.length > 0);
  const closedPaths = h.events.closed.map((e) => e.path);
  const remaining = files.map((f) => f.slice(root.length + 1));
  const deleted = h.events.deleted.map((e) => e.path);
  assert.deepEqual(deleted, closedPaths.slice(0, deleted.length), 'the oldest files were deleted, in order');
  assert.deepEqual([...deleted, ...remaining], closedPaths, 'every file closed was either deleted or remains');
  for (const e of h.events.deleted) {
    assert.equal(e.reason, 'disk_guard');
    assert.equal(e.source, 'card1');
    assert.equal(e.bytes, h.events.closed.find((c) => c.path === e.path)!.bytes);
  }
  const byReason = (await registry.getSingleMetric('isr_segmenter_files_deleted_total')!.get()).values;
  assert.equal(byReason.find((v) => v.labels.reason === 'disk_guard')?.value, deleted.length);
  const early = (await registry.getSingleMetric('isr_segmenter_disk_guard_early_deletions_total')!.get()).values;
  assert.equal(
    early[0]?.value,
    deleted.length,
    'with keep_days = 0 every disk-guard deletion breaks the promise and is counted',
  );
  t.diagnostic(
    `${deleted.length} files deleted, ${files.length} remain, lowest free ${(minFree / 1048576).toFixed(2)} MiB, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
});
