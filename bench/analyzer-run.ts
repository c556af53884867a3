// Child process of bench/analyzer.ts: analyzes one file exactly as the service does and prints
// {"ms":…, "maxRssMb":…, "durationSeconds":…, "lufs":…} so the parent can compare against C tools.
// --flac-decoder=ffmpeg decodes a FLAC through ffmpeg and a pipe instead of libFLAC on a worker thread.
import { parseArgs } from 'node:util';
import { analyzeFile } from '../services/analyzer/src/analyze-file.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'flac-decoder': { type: 'string', default: 'libflac' } },
});
const file = positionals[0];
const flacDecoder = values['flac-decoder'];
if (!file || (flacDecoder !== 'libflac' && flacDecoder !== 'ffmpeg'))
  throw new Error('usage: analyzer-run.ts [--flac-decoder=libflac|ffmpeg] FILE');
const cpu0 = process.cpuUsage();
const main0 = process.threadCpuUsage();
const t0 = performance.now();
const r = await analyzeFile({
  file,
  path: 'bench/file',
  source: 'bench',
  params: {
    windowSeconds: 0.1,
    thresholdMode: 'adaptive',
    threshold: 0.05,
    marginDb: 12,
    noiseFloorPercentile: 10,
    minGapSeconds: 2,
    minSectionSeconds: 0.5,
  },
  tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' },
  now: () => new Date(),
  flacDecoder,
});
const json = JSON.stringify(r); // the sidecar's serialisation is part of the work
const ms = performance.now() - t0;
const cpuMs = (u: { user: number; system: number }) => (u.user + u.system) / 1000;
// CPU of this process's threads (not of an ffmpeg child): the main thread's, and all threads' (the FLAC worker, GC).
const mainCpuMs = cpuMs(process.threadCpuUsage(main0));
const processCpuMs = cpuMs(process.cpuUsage(cpu0));
if (r.error) throw new Error(`analysis failed: ${r.error.code} ${r.error.message}`);
console.log(
  JSON.stringify({
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    durationSeconds: r.durationSeconds,
    lufs: r.integratedLufs,
    sidecarKb: Math.round(json.length / 1024),
    decoder: r.decoder,
    mainCpuMs,
    processCpuMs,
  }),
);
