import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { splitOggPages } from '@isr/audio';
import { ffmpegSine, soxSynth } from '@isr/testkit';
import { OggClipWriter } from '../src/ogg-clip.ts';
import { harness, type Harness } from './harness.ts';

// A 10-minute Ogg Opus recording (~19 MB) and a 2-minute WAV (23 MB), both bigger than what the loopback socket
// buffers of a client that reads nothing can take; clip_max_concurrent = 1.
const OGG = 'long/2026-11-24/2026-11-24_06-00-00+0000.ogg';
const WAV = 'pcm/2026-11-24/2026-11-24_06-00-00+0000.wav';
const FLAC = 'flacpcm/2026-11-24/2026-11-24_06-00-00+0000.flac';
let h: Harness;

before(async () => {
  h = await harness({
    clipMaxConcurrent: 1,
    clipMaxMinutes: 10,
    fill: async (root) => {
      await mkdir(join(root, 'long/2026-11-24'), { recursive: true });
      await mkdir(join(root, 'pcm/2026-11-24'), { recursive: true });
      await mkdir(join(root, 'flacpcm/2026-11-24'), { recursive: true });
      ffmpegSine(
        join(root, OGG),
        { hz: 440, rate: 48000, seconds: 600 },
        '-c:a libopus -b:a 256k -compression_level 0 -f ogg',
      );
      soxSynth(join(root, WAV), { rate: 48000, channels: 2 }, 'synth 120 whitenoise vol 0.5');
      soxSynth(join(root, FLAC), { rate: 48000, channels: 2 }, 'synth 120 whitenoise vol 0.5');
    },
  });
  await h.listen();
});
after(() => h.close());

const inProgress = async () => (await h.deps.metrics.clipsInProgress.get()).values[0]?.value ?? 0;

/** A GET whose body is not read: the client stops taking bytes once its socket buffer is full. */
function openPaused(path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = get(`${h.url}${path}`, (res) => {
      res.pause();
      resolve({ req, res });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

async function until(what: string, ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

test('an Ogg clip is sent as it is read: for a client that reads nothing only a part of the file is read, and closing stops the reading', async () => {
  const size = (await stat(join(h.root, OGG))).size;
  const before = await h.clipReadBytes();
  const { req, res } = await openPaused('/api/clip?source=long&start=2026-11-24T06:00:00Z&end=2026-11-24T06:10:00Z');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'audio/ogg');
  await sleep(500);
  const held = (await h.clipReadBytes()) - before;
  assert.ok(held < size / 2, `read ${held} of ${size} bytes while the client read nothing`);
  req.destroy();
  await until('the clip gives its slot back', async () => (await inProgress()) === 0);
  const stopped = await h.clipReadBytes();
  await sleep(300);
  assert.equal(await h.clipReadBytes(), stopped, 'reading went on after the client went away');
});

test('clip_max_concurrent: a clip beyond it gets 429 with Retry-After; a client that goes away mid-clip gives its slot back', async () => {
  const size = (await stat(join(h.root, WAV))).size;
  const before = await h.clipReadBytes();
  const first = await openPaused('/api/clip?source=pcm&start=2026-11-24T06:00:00Z&end=2026-11-24T06:02:00Z');
  assert.equal(first.res.statusCode, 200);
  assert.equal(await inProgress(), 1);
  const busy = await fetch(`${h.url}/api/clip?source=long&start=2026-11-24T06:00:00Z&end=2026-11-24T06:00:05Z`);
  assert.equal(busy.status, 429);
  assert.equal(busy.headers.get('retry-after'), '2');
  assert.equal(((await busy.json()) as { code: string }).code, 'ISR_WEB_CLIP_BUSY');
  first.req.destroy();
  await until('the slot is free', async () => (await inProgress()) === 0);
  const read = (await h.clipReadBytes()) - before;
  assert.ok(read < size / 2, `read ${read} of ${size} bytes for a clip whose client went away`);
  // The slot serves the next clip, and a clip sent to its end gives it back too.
  for (let i = 0; i < 2; i++) {
    const ok = await fetch(`${h.url}/api/clip?source=long&start=2026-11-24T06:00:00Z&end=2026-11-24T06:00:05Z`);
    assert.equal(ok.status, 200, await ok.clone().text());
    await ok.arrayBuffer();
    await until('the finished clip gives its slot back', async () => (await inProgress()) === 0);
  }
});

/** Processes whose command line names `path` (from /proc, like ps). */
async function processesOn(path: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0').includes(path)) out.push(Number(pid));
  }
  return out;
}

test('a WAV clip of a FLAC recording: the flac decoder is stopped when the client goes away', async () => {
  const abs = join(h.root, FLAC);
  const first = await openPaused('/api/clip?source=flacpcm&start=2026-11-24T06:00:00Z&end=2026-11-24T06:02:00Z');
  assert.equal(first.res.statusCode, 200);
  assert.equal(first.res.headers['content-type'], 'audio/wav');
  await until('flac decodes the recording', async () => (await processesOn(abs)).length === 1);
  first.req.destroy();
  await until('the decoder is gone', async () => (await processesOn(abs)).length === 0);
  await until('the slot is free', async () => (await inProgress()) === 0);
});

test('a clip deep in a long Ogg recording starts reading near its start (bisection) and equals the clip cut from every page', async () => {
  const abs = join(h.root, OGG);
  const file = await readFile(abs);
  const fileStart = Date.parse('2026-11-24T06:00:00Z');
  for (const [from, seconds] of [
    [0.5, 3],
    [61.3, 3],
    [299.99, 2],
    [540, 5],
    [597, 3],
  ] as const) {
    const startMs = fileStart + from * 1000;
    const endMs = startMs + seconds * 1000;
    const writer = new OggClipWriter(startMs, endMs);
    writer.beginFile(fileStart);
    const expected: Uint8Array[] = [];
    for (const p of splitOggPages(file)) {
      const r = writer.page(p);
      expected.push(...r.out);
      if (r.past) break;
    }
    expected.push(...writer.finish());
    const before = await h.clipReadBytes();
    const res = await fetch(
      `${h.url}/api/clip?source=long&start=${new Date(startMs).toISOString()}&end=${new Date(endMs).toISOString()}`,
    );
    assert.equal(res.status, 200, await res.clone().text());
    const clip = Buffer.from(await res.arrayBuffer());
    assert.ok(
      clip.equals(Buffer.concat(expected)),
      `clip at ${from} s: ${clip.length} bytes, cut from every page ${Buffer.concat(expected).length}`,
    );
    const read = (await h.clipReadBytes()) - before;
    assert.ok(read < 2_000_000, `clip at ${from} s read ${read} of ${file.length} bytes`);
  }
});

test('a client gone before the clip handler ran does not keep a slot', async () => {
  const slow = await harness({
    clipMaxConcurrent: 1,
    fill: async (root) => {
      await mkdir(join(root, 'pcm/2026-11-24'), { recursive: true });
      soxSynth(
        join(root, 'pcm/2026-11-24/2026-11-24_06-00-00+0000.wav'),
        { rate: 8000, channels: 1 },
        'synth 5 sine 440',
      );
    },
  });
  try {
    // Every request waits 200 ms in a hook, as behind a slow check: the client leaves meanwhile.
    slow.app.addHook('onRequest', async () => sleep(200));
    await slow.listen();
    const clip = `${slow.url}/api/clip?source=pcm&start=2026-11-24T06:00:00Z&end=2026-11-24T06:00:02Z`;
    await new Promise<void>((resolve) => {
      const req = get(clip);
      req.on('error', () => resolve());
      setTimeout(() => req.destroy(), 50);
    });
    await sleep(400);
    assert.equal((await slow.deps.metrics.clipsInProgress.get()).values[0]?.value ?? 0, 0);
    const ok = await fetch(clip);
    assert.equal(ok.status, 200, await ok.clone().text());
    await ok.arrayBuffer();
  } finally {
    await slow.close();
  }
});
