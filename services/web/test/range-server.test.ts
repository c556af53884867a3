import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, rename, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';

const MP3 = 'src1/2026-11-24/2026-11-24_05-00-00+0000.mp3';
const GROWING = 'live/2026-11-24/2026-11-24_06-00-00+0000.wav';
const data = randomBytes(10_000);
let h: Harness;

before(async () => {
  h = await harness({
    fill: async (root) => {
      await write(root, MP3, data);
      await write(root, GROWING, buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 0 }));
    },
  });
  await h.listen();
});
after(() => h.close());

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(h.url + path, { headers, method });

test('first, middle and last byte; suffix and open-ended ranges (206 + Content-Range)', async () => {
  for (const [range, start, end] of [
    ['bytes=0-0', 0, 0],
    ['bytes=5000-5009', 5000, 5009],
    ['bytes=9999-9999', 9999, 9999],
    ['bytes=-100', 9900, 9999],
    ['bytes=9000-', 9000, 9999],
    ['bytes=9990-20000', 9990, 9999],
  ] as const) {
    const res = await get(`/stream/${MP3}`, { range });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/10000`);
    assert.equal(res.headers.get('content-length'), String(end - start + 1));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(start, end + 1), range);
  }
});

test('unsatisfiable ranges answer 416 with the size; malformed ones get the whole file', async () => {
  for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0']) {
    const res = await get(`/stream/${MP3}`, { range });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), 'bytes */10000');
    await res.arrayBuffer();
  }
  const whole = await get(`/stream/${MP3}`, { range: 'bytes=5-1' });
  assert.equal(whole.status, 200);
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), data);
});

test('full GET and HEAD carry Accept-Ranges, codec Content-Type, ETag and Last-Modified; If-None-Match gives 304', async () => {
  const res = await get(`/stream/${MP3}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('content-type'), 'audio/mpeg');
  assert.match(res.headers.get('content-disposition')!, /^inline/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('last-modified'));
  const etag = res.headers.get('etag')!;
  assert.ok(etag);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
  const head = await get(`/stream/${MP3}`, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '10000');
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  assert.equal((await get(`/stream/${MP3}`, { 'if-none-match': etag })).status, 304);
  const dl = await get(`/download/${MP3}`);
  assert.equal(dl.headers.get('content-disposition'), 'attachment; filename="2026-11-24_05-00-00+0000.mp3"');
  await dl.arrayBuffer();
});

test('a WAV being written plays and seeks up to its current end, with sizes patched in its header', async () => {
  const abs = join(h.root, GROWING);
  const second = Buffer.alloc(16_000);
  for (let i = 0; i < 8000; i++) second.writeInt16LE(Math.round(8000 * Math.sin(i / 10)), i * 2);
  await appendFile(abs, second);
  let res = await get(`/stream/${GROWING}`);
  let body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, 44 + 16_000);
  assert.equal(body.readUInt32LE(40), 16_000);
  assert.equal(body.readUInt32LE(4), 36 + 16_000);
  const out = join(h.dir, 'growing.wav');
  await writeFile(out, body);
  assert.equal(
    execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    '',
  );
  // It grows by one more second plus half a frame: the new bytes are reachable, the torn frame is not served.
  await appendFile(abs, Buffer.concat([second, Buffer.from([1])]));
  res = await get(`/stream/${GROWING}`, { range: `bytes=${44 + 16_000}-` });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), `bytes ${44 + 16_000}-${44 + 32_000 - 1}/${44 + 32_000}`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), second);
  res = await get(`/stream/${GROWING}`, { range: 'bytes=0-43' });
  body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.readUInt32LE(40), 32_000);
});

test('only audio recordings are served: not status.json, the journal, the manifest, sidecars, keep marks or notes', async () => {
  const secret = '{"secret":"not audio"}';
  const others = [
    'status.json',
    '.isr/segmenter/journal-src1.json',
    'src1/2026-11-24/manifest.jsonl',
    `${MP3}.analysis.json`,
    `${MP3}.keep`,
    'src1/notes.txt',
    'src1/.hidden.mp3',
    'loose.mp3',
  ];
  for (const rel of others) await write(h.root, rel, secret);
  for (const rel of others) {
    for (const [method, prefix] of [
      ['GET', '/stream/'],
      ['GET', '/download/'],
      ['HEAD', '/stream/'],
    ] as const) {
      const res = await get(prefix + rel, {}, method);
      const body = await res.text();
      assert.equal(res.status, 404, `${method} ${prefix}${rel}`);
      assert.doesNotMatch(body, /secret/);
      if (method === 'GET') assert.equal((JSON.parse(body) as { code: string }).code, 'ISR_WEB_NOT_FOUND');
    }
  }
  assert.equal((await get(`/stream/${MP3}`)).status, 200, 'the recording itself still is');
});

test('a body over 1 MiB answered from the remembered stat is read from the open file, never through a name now leading outside', async () => {
  const rel = 'swap/2026-11-24/2026-11-24_07-00-00+0000.mp3';
  const inside = randomBytes(1_500_000);
  await write(h.root, rel, inside);
  const old = new Date(Date.now() - 60_000);
  await utimes(join(h.root, rel), old, old);
  // A small range opens the file and remembers its stat.
  assert.equal((await get(`/stream/${rel}`, { range: 'bytes=0-9' })).status, 206);
  // Its day directory becomes a symlink to a directory outside the root holding a secret under the same name.
  const outside = join(h.dir, 'outside');
  await write(outside, rel.slice('swap/'.length), Buffer.alloc(inside.length, 0x53));
  await rename(join(h.root, 'swap/2026-11-24'), join(h.root, 'swap/moved'));
  await symlink(join(outside, '2026-11-24'), join(h.root, 'swap/2026-11-24'));
  const res = await get(`/stream/${rel}`);
  const body = Buffer.from(await res.arrayBuffer());
  assert.ok(res.status === 200 || res.status === 403, String(res.status));
  if (res.status === 200) assert.ok(body.equals(inside), 'the file that was open, inside the root');
});
