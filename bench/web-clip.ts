// /api/clip over a source of older compressed recordings whose durations the web never learnt (issue 17): one
// 1-minute Ogg clip among <files> 1-minute Ogg Opus recordings (128 kbps) found by the start-up scan, no events.
//
//   node --expose-gc --conditions=development bench/web-clip.ts [--files=300]
//
// Prints the clip's time and the web process's RSS growth (sampled every 10 ms), the files the clip names
// (X-Isr-Clip-Files) and the bytes it read (isr_web_clip_read_bytes_total) against the source's bytes, and as a
// baseline in the same run the time to read the files the clip needs with fs.readFile. Then one 1-minute clip at
// the end of a 60-minute Ogg Opus recording (128 kbps), and one (format=flac) at the end of a 60-minute 48 kHz stereo
// FLAC recording: each one's time and the bytes read against the file's size.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ffmpegSine, soxSynth } from '@isr/testkit';
import { copyAsRecordings } from '../services/web/test/copy-recordings.ts';
import { harness } from '../services/web/test/harness.ts';

const FILES = Number(process.argv.find((a) => a.startsWith('--files='))?.split('=')[1] ?? 300);
const SECONDS = 60;
const T0 = Date.parse('2026-11-20T00:00:00Z');

let fileBytes = 0;
const h = await harness({
  fill: async (root) => {
    const one = join(root, '..', 'one.ogg');
    ffmpegSine(one, { hz: 440, rate: 48000, seconds: SECONDS }, '-c:a libopus -b:a 128k -f ogg');
    fileBytes = (await stat(one)).size;
    await copyAsRecordings(root, one, { source: 'opus', t0: T0, everyMs: SECONDS * 1000, count: FILES });
  },
});
await h.listen();
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const start = T0 + (FILES - 3) * SECONDS * 1000 + 30_000;
const t = performance.now();
const res = await fetch(
  `${h.url}/api/clip?source=opus&start=${new Date(start).toISOString()}&end=${new Date(start + 60_000).toISOString()}`,
);
const body = Buffer.from(await res.arrayBuffer());
const ms = performance.now() - t;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const named = (res.headers.get('x-isr-clip-files') ?? '').split(',').filter(Boolean).map(decodeURIComponent);
const read = await h.clipReadBytes();
const b = performance.now();
for (const r of named) await readFile(join(h.root, r));
const baseline = performance.now() - b;
console.log(
  `web clip: 1-minute Ogg clip among ${FILES} older recordings without a known duration (${((FILES * fileBytes) / 1e6).toFixed(0)} MB)`,
);
console.log(
  `  status ${res.status}, ${body.length} bytes, ${ms.toFixed(0)} ms (reading its ${named.length} files with readFile: ${baseline.toFixed(0)} ms), RSS +${((peak - rss0) / 1e6).toFixed(0)} MB`,
);
console.log(
  `  files named ${named.length}, bytes read ${read} = ${((100 * read) / (FILES * fileBytes)).toFixed(2)} % of the source`,
);
await h.close();

const HOUR = '2026-11-24/2026-11-24_06-00-00+0000.ogg';
const FLAC_HOUR = '2026-11-24/2026-11-24_06-00-00+0000.flac';
const long = await harness({
  fill: async (root) => {
    await mkdir(join(root, 'hour/2026-11-24'), { recursive: true });
    await mkdir(join(root, 'flachour/2026-11-24'), { recursive: true });
    ffmpegSine(
      join(root, 'hour', HOUR),
      { hz: 440, rate: 48000, seconds: 3600 },
      '-c:a libopus -b:a 128k -compression_level 0 -f ogg',
    );
    soxSynth(join(root, 'flachour', FLAC_HOUR), { rate: 48000, channels: 2 }, 'synth 3600 pinknoise vol 0.5');
  },
});
await long.listen();
const hourBytes = (await stat(join(long.root, 'hour', HOUR))).size;
const t2 = performance.now();
const r2 = await fetch(`${long.url}/api/clip?source=hour&start=2026-11-24T06:58:30Z&end=2026-11-24T06:59:30Z`);
const b2 = Buffer.from(await r2.arrayBuffer());
const ms2 = performance.now() - t2;
const read2 = await long.clipReadBytes();
console.log(`web clip: 1-minute Ogg clip at the end of a 60-minute recording (${(hourBytes / 1e6).toFixed(0)} MB)`);
console.log(
  `  status ${r2.status}, ${b2.length} bytes, ${ms2.toFixed(0)} ms, bytes read ${read2} = ${((100 * read2) / hourBytes).toFixed(1)} % of the file`,
);
const flacBytes = (await stat(join(long.root, 'flachour', FLAC_HOUR))).size;
const t3 = performance.now();
const r3 = await fetch(
  `${long.url}/api/clip?source=flachour&start=2026-11-24T06:58:30Z&end=2026-11-24T06:59:30Z&format=flac`,
);
const b3 = Buffer.from(await r3.arrayBuffer());
const ms3 = performance.now() - t3;
const read3 = (await long.clipReadBytes()) - read2;
console.log(`web clip: 1-minute FLAC clip at the end of a 60-minute recording (${(flacBytes / 1e6).toFixed(0)} MB)`);
console.log(
  `  status ${r3.status}, ${b3.length} bytes, ${ms3.toFixed(0)} ms, bytes read ${read3} = ${((100 * read3) / flacBytes).toFixed(1)} % of the file`,
);
await long.close();
