// Issue 16, as an operator tried it: recordings on a 4 MiB filesystem that fills, held full for 30 s, then
// space freed by moving finished files away. Nothing the bus still holds may be lost: no `_N` files, no empty
// files, every file plays, and the moved plus the remaining files hold one contiguous frame counter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SourceStatus } from '@isr/contract';
import { sleep, waitFor } from '@isr/testkit';
import { ffmpegErrors, publishPcm, recordings, setup, wavData, type Harness } from './harness.ts';

const RATE = 16000;
const CHUNK = 1600;

/** s16le mono whose sample i is the frame counter i (mod 2^16): any loss, repeat or shift shows. */
function counter(frames: number): Buffer {
  const b = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) b.writeUInt16LE(i & 0xffff, i * 2);
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
    return `[general]\noutput_directory = ${rec}\nsplit_minutes = 0.25\ntimezone = UTC\nmin_free_mb = 0\nstatus_interval_seconds = 0.5\nheader_rewrite_seconds = 1\n`;
  });
});
after(async () => {
  await h.cleanup().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', `${h.dir}/rec`]);
  rmSync(h.dir, { recursive: true, force: true });
});

async function recorderState(): Promise<string | undefined> {
  const kv = await h.bus.kv.status.get('full');
  return kv?.json<SourceStatus>().recorder?.state;
}

test('full disk (4 MiB tmpfs, held full 30 s, then files moved away): same file retried, nothing lost, no _N files', { timeout: 120_000 }, async (t) => {
  if (!mounted) {
    t.skip(`cannot mount a 4 MiB tmpfs here (${mountError || 'not root?'}): full-disk test not run`);
    return;
  }
  const rec = `${h.dir}/rec`;
  const moved = `${h.dir}/moved`;
  const total = RATE * 150; // 4.8 MB of audio for a 4 MiB filesystem
  const pcm = counter(total);
  const t0 = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { service } = await h.start();
  await publishPcm(h.bus, { source: 'full', session: 'f1', sessionStartMs: Date.parse('2026-11-24T08:00:00Z'), sampleRate: RATE, channels: 1 }, pcm, CHUNK);

  mark('published');
  await waitFor('recorder state disk_full in KV isr_status', async () => (await recorderState()) === 'disk_full', 30_000, 200);
  await waitFor('status.json says disk_full', () => {
    try {
      return (JSON.parse(readFileSync(`${rec}/status.json`, 'utf8')) as { sources: Record<string, { state: string }> }).sources.full?.state === 'disk_full';
    } catch {
      return false;
    }
  }, 10_000, 200);
  assert.ok(service.health().ok, 'a full disk is not a dead service');
  mark('disk_full seen');

  // Hold it full for 30 s: the segmenter retries; it must not spray new file names or empty files.
  await sleep(30_000);
  const held = recordings(rec, 'full', 'wav');
  assert.deepEqual(held.filter((f) => /_\d+\.wav$/.test(f)), [], 'no _N file while full');
  assert.deepEqual(held.filter((f) => statSync(f).size <= 44), [], 'no empty file while full');
  assert.equal(await recorderState(), 'disk_full', 'still holding after 30 s (no hole accepted)');

  // Free space as an operator would: move every finished file away (copy out of the tmpfs, then delete).
  const open = (await h.bus.kv.status.get('full'))?.json<SourceStatus>().recorder?.file;
  assert.ok(open, 'the status names the file being held open');
  for (const f of held) {
    if (f.endsWith(open)) continue;
    const to = join(moved, f.slice(rec.length));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to);
    rmSync(f);
  }
  mark('space freed');
  await waitFor('every chunk written and acknowledged', async () => {
    const ci = await h.bus.jsm.consumers.info('ISR_AUDIO', 'segmenter');
    return ci.num_pending === 0 && ci.num_ack_pending === 0;
  }, 45_000, 250);
  assert.notEqual(await recorderState(), 'disk_full', 'disk_full ends once the held audio is written');
  mark('caught up');
  await service.close();

  const files = [...recordings(rec, 'full', 'wav'), ...recordings(moved, 'full', 'wav')].sort((a, b) => basename(a).localeCompare(basename(b)));
  assert.deepEqual(files.filter((f) => /_\d+\.wav$/.test(f)), [], 'no _N files');
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${basename(f)} plays`);
  const all = Buffer.concat(files.map(wavData));
  assert.equal(all.length, pcm.length, `every frame exactly once across ${files.length} files`);
  assert.ok(all.equals(pcm), 'moved + remaining files form one contiguous frame counter');
  const leftovers = readdirSync(rec).filter((n) => n.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no temp files left behind');
});
