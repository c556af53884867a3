import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isOggHeaderPage, rewriteAudioPage, splitOggPages, startOggFile, type OggPage } from '@isr/audio';
import { ffmpegSine } from '@isr/testkit';
import { OggClipWriter, OggPageSplitter } from '../src/ogg-clip.ts';
import { harness, type Harness } from './harness.ts';

// One 6 s Ogg Opus stream from ffmpeg (20 ms pages), cut at 06:00:00 into two files the way the segmenter
// writes them (header pages, then audio pages renumbered with granules from 0) — with @isr/audio's own
// page rewriting, the segmenter's code path.
const A = 'opus/2026-11-24/2026-11-24_05-59-57+0000.ogg';
const B = 'opus/2026-11-24/2026-11-24_06-00-00+0000.ogg';
let h: Harness;
let audio: OggPage[] = [];
const body = (p: Uint8Array) => Buffer.from(p.subarray(27 + p[26]!));

before(async () => {
  h = await harness({
    fill: async (root) => {
      await mkdir(join(root, 'opus/2026-11-24'), { recursive: true });
      const stream = ffmpegSine(
        '-',
        { hz: 440, rate: 48000, seconds: 6 },
        '-c:a libopus -b:a 64k -page_duration 20000 -f ogg',
      );
      const pages = splitOggPages(stream);
      const headers = pages.filter(isOggHeaderPage);
      audio = pages.slice(headers.length);
      const init = Buffer.concat(headers.map((p) => p.bytes));
      const cut = audio.findIndex((p) => p.granule - audio[0]!.granule >= 3n * 48000n - 960n) + 1;
      for (const [rel, part] of [
        [A, audio.slice(0, cut)],
        [B, audio.slice(cut)],
      ] as const) {
        const prev = part[0]!.granule - 960n;
        const state = startOggFile(init, part[0]!.granule, Number(part[0]!.granule - prev));
        await writeFile(join(root, rel), Buffer.concat([init, ...part.map((p) => rewriteAudioPage(p.bytes, state))]));
      }
    },
  });
  await h.listen();
});
after(() => h.close());

test('an Ogg Opus clip across the hour boundary: header pages, the overlapping audio pages of both files, playable', async () => {
  const res = await fetch(`${h.url}/api/clip?source=opus&start=2026-11-24T05:59:58.500Z&end=2026-11-24T06:00:01Z`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'audio/ogg');
  const clip = Buffer.from(await res.arrayBuffer());
  const out = join(h.dir, 'clip.ogg');
  await writeFile(out, clip);
  assert.equal(execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], { encoding: 'utf8' }), '');
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 's16le', '-ac', '1', '-ar', '48000', '-'], {
    maxBuffer: 1 << 26,
  });
  const seconds = pcm.length / 2 / 48000;
  assert.ok(Math.abs(seconds - 2.5) <= 0.06, `decoded ${seconds} s`);
  // The audio pages carry the original stream's packets, contiguous and in order.
  const pages = splitOggPages(clip);
  const clipAudio = pages.filter((p) => !isOggHeaderPage(p)).map((p) => body(p.bytes));
  const originals = audio.map((p) => body(p.bytes));
  const at = originals.findIndex((b) => b.equals(clipAudio[0]!));
  assert.ok(at > 0);
  clipAudio.forEach((b, i) => assert.ok(b.equals(originals[at + i]!), `page ${i}`));
  // One logical stream: one serial, sequence numbers without holes, granules rising, EOS at the end.
  assert.equal(new Set(pages.map((p) => p.serial)).size, 1);
  pages.forEach((p, i) => assert.equal(p.sequence, i));
  assert.ok((pages.at(-1)!.headerType & 0x04) !== 0);
});

test('OggPageSplitter gives the same pages for a file fed whole, in 1-byte, 997-byte and random pieces; a torn end is left out', async () => {
  const file = await readFile(join(h.root, A));
  const whole = splitOggPages(file).map((p) => Buffer.from(p.bytes));
  const feed = (sizes: () => number, data: Uint8Array) => {
    const split = new OggPageSplitter();
    const out: Buffer[] = [];
    for (let pos = 0; pos < data.length;) {
      const n = Math.max(1, Math.min(sizes(), data.length - pos));
      for (const p of split.push(data.subarray(pos, pos + n))) out.push(Buffer.from(p.bytes));
      pos += n;
    }
    return out;
  };
  let seed = 17;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 4000;
  for (const sizes of [() => file.length, () => 1, () => 997, random]) assert.deepEqual(feed(sizes, file), whole);
  // A file cut inside its last page (being written, or torn by a crash): every whole page, nothing more.
  assert.deepEqual(
    feed(() => 997, file.subarray(0, file.length - 5)),
    whole.slice(0, -1),
  );
  // Bytes that are not a page end the stream there.
  const split = new OggPageSplitter();
  assert.equal(
    [...split.push(Buffer.concat([whole[0]!, Buffer.from('not a page at all, but long enough to be read as one')]))]
      .length,
    1,
  );
  assert.equal(split.broken, true);
});

test('OggClipWriter picks the pages overlapping the span and says when the rest of the file is past it', async () => {
  const startMs = Date.parse('2026-11-24T05:59:58.500Z');
  const endMs = Date.parse('2026-11-24T05:59:59.500Z');
  const writer = new OggClipWriter(startMs, endMs);
  const out: Uint8Array[] = [];
  writer.beginFile(Date.parse('2026-11-24T05:59:57Z'));
  const input = splitOggPages(await readFile(join(h.root, A)));
  let used = 0;
  for (const p of input) {
    used++;
    const r = writer.page(p);
    out.push(...r.out);
    if (r.past) break;
  }
  out.push(...writer.finish());
  assert.ok(used < input.length, 'the pages after the span were asked for');
  const pages = splitOggPages(Buffer.concat(out));
  pages.forEach((p, i) => assert.equal(p.sequence, i));
  assert.ok((pages.at(-1)!.headerType & 0x04) !== 0);
  // 20 ms pages: 1 s of audio, within a page each side; granules from the clip's start.
  const ms = Number(pages.at(-1)!.granule) / 48;
  assert.ok(Math.abs(ms - 1000) <= 40, `${ms} ms`);
});
