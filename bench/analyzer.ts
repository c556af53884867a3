// Analyzer benchmark (not a test): node --conditions=development bench/analyzer.ts [--hours=1] [--long] [--runs=3]
//
//  1. generates a 48 kHz stereo 16-bit WAV (pink noise / 440 Hz, sox) of --hours (default 1) in bench/out/,
//  2. times the analyzer on it (in a child process, for its own peak RSS) against
//     `sox FILE -n stat` + `ffmpeg -i FILE -af ebur128 -f null -` on the same file (goal: ratio ≤ 1.0, RSS < 120 MB),
//  3. encodes it to FLAC and times the analyzer (libFLAC on a worker thread; and, for comparison, ffmpeg through a
//     pipe) against `flac -d -c FILE > /dev/null`, --runs times interleaved, min and median (goal: ratio ≤ 1.0),
//  4. with --long, also a 4 h WAV: peak RSS (goal: same as for 1 h, < 120 MB).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}`));
const hours = Number(arg('hours')?.split('=')[1] ?? 1);
const long = Boolean(arg('long'));
const runs = Math.max(1, Number(arg('runs')?.split('=')[1] ?? 3));

function timed(cmd: string, args: string[], stdoutToNull = true): number {
  const t0 = performance.now();
  const fd = openSync('/dev/null', 'w');
  const r = spawnSync(cmd, args, { stdio: ['ignore', stdoutToNull ? fd : 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  closeSync(fd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString().slice(-500)}`);
  return performance.now() - t0;
}

function analyzer(
  file: string,
  flacDecoder = 'libflac',
): {
  ms: number;
  maxRssMb: number;
  durationSeconds: number;
  lufs: number;
  sidecarKb: number;
  mainCpuMs: number;
  processCpuMs: number;
} {
  const r = spawnSync(
    process.execPath,
    ['--conditions=development', join(here, 'analyzer-run.ts'), `--flac-decoder=${flacDecoder}`, file],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`analyzer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof analyzer>;
}

function wav(h: number): string {
  const f = join(out, `analyzer-${h}h.wav`);
  if (!existsSync(f) || statSync(f).size < h * 3600 * 48000 * 4) {
    console.log(`generating ${f} (${h} h, 48 kHz stereo) with sox…`);
    timed('sox', [
      '-n',
      '-r',
      '48000',
      '-c',
      '2',
      '-b',
      '16',
      f,
      'synth',
      String(h * 3600),
      'pinknoise',
      'sine',
      '440',
      'vol',
      '-12dB',
    ]);
  }
  return f;
}

const f = wav(hours);
// Warm the page cache for everyone alike.
timed('cat', [f]);
const sox = timed('sox', [f, '-n', 'stat'], false);
const ebur = timed('ffmpeg', ['-nostats', '-hide_banner', '-i', f, '-af', 'ebur128', '-f', 'null', '-'], false);
const a = analyzer(f);
console.log(`\nWAV ${hours} h 48 kHz stereo (${(statSync(f).size / 1e6).toFixed(0)} MB)`);
console.log(
  `  sox stat ${(sox / 1000).toFixed(2)} s + ffmpeg ebur128 ${(ebur / 1000).toFixed(2)} s = ${((sox + ebur) / 1000).toFixed(2)} s`,
);
console.log(
  `  analyzer ${(a.ms / 1000).toFixed(2)} s (${a.lufs} LUFS, sidecar ${a.sidecarKb} KB), peak RSS ${a.maxRssMb.toFixed(0)} MB`,
);
console.log(
  `  ratio analyzer / (sox + ffmpeg) = ${(a.ms / (sox + ebur)).toFixed(2)}   (goal ≤ 1.0; RSS goal < 120 MB)`,
);

const flac = join(out, `analyzer-${hours}h.flac`);
if (!existsSync(flac)) timed('flac', ['-s', '-f', '-o', flac, f]);
timed('cat', [flac]);
// Interleaved runs, so that load from elsewhere on the machine hits all three alike; min and median of each.
const flacDs: number[] = [];
const libs: ReturnType<typeof analyzer>[] = [];
const pipes: ReturnType<typeof analyzer>[] = [];
for (let i = 0; i < runs; i++) {
  flacDs.push(timed('flac', ['-s', '-d', '-c', flac]));
  libs.push(analyzer(flac, 'libflac'));
  pipes.push(analyzer(flac, 'ffmpeg'));
}
const median = (v: number[]) => {
  const o = [...v].sort((x, y) => x - y);
  return o.length % 2 ? o[(o.length - 1) / 2]! : (o[o.length / 2 - 1]! + o[o.length / 2]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(2);
const spread = (v: number[]) =>
  `min ${sec(Math.min(...v))} s, median ${sec(median(v))} s, max ${sec(Math.max(...v))} s`;
const flacD = median(flacDs);
const lib = median(libs.map((r) => r.ms));
const pipe = median(pipes.map((r) => r.ms));
console.log(
  `\nFLAC ${hours} h (${(statSync(flac).size / 1e6).toFixed(0)} MB), ${runs} interleaved run(s), load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`  flac -d -c                      ${spread(flacDs)}`);
console.log(
  `  analyzer (libFLAC, worker)      ${spread(libs.map((r) => r.ms))}, peak RSS ${Math.max(...libs.map((r) => r.maxRssMb)).toFixed(0)} MB`,
);
console.log(
  `  analyzer (ffmpeg pipe)          ${spread(pipes.map((r) => r.ms))}, peak RSS ${Math.max(...pipes.map((r) => r.maxRssMb)).toFixed(0)} MB`,
);
const libMain = median(libs.map((r) => r.mainCpuMs));
const libWorker = median(libs.map((r) => r.processCpuMs - r.mainCpuMs));
console.log(
  `  libFLAC path CPU (medians): main thread (conversion + analysis) ${sec(libMain)} s, other threads (libFLAC worker, GC) ${sec(libWorker)} s — on two free cores the wall time is about the larger`,
);
console.log(
  `  ffmpeg pipe / flac -d = ${(pipe / flacD).toFixed(2)} (medians; best ${(Math.min(...pipes.map((r) => r.ms)) / Math.min(...flacDs)).toFixed(2)})`,
);
console.log(
  `  ratio analyzer / flac -d = ${(lib / flacD).toFixed(2)}   (medians; best ${(Math.min(...libs.map((r) => r.ms)) / Math.min(...flacDs)).toFixed(2)}; goal ≤ 1.0)`,
);

if (long) {
  const f4 = wav(4);
  const c = analyzer(f4);
  console.log(
    `\nWAV 4 h: analyzer ${(c.ms / 1000).toFixed(2)} s, peak RSS ${c.maxRssMb.toFixed(0)} MB (1 h: ${a.maxRssMb.toFixed(0)} MB; goal: same, < 120 MB)`,
  );
}
