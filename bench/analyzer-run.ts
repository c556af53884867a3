// Child process of bench/analyzer.ts: analyses one file exactly as the service does and prints
// {"ms":…, "maxRssMb":…, "durationSeconds":…, "lufs":…} so the parent can compare against C tools.
import { analyzeFile } from '../services/analyzer/src/analyze-file.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: analyzer-run.ts FILE');
const t0 = performance.now();
const r = await analyzeFile({
  file,
  path: 'bench/file',
  source: 'bench',
  params: { windowSeconds: 0.1, thresholdMode: 'adaptive', threshold: 0.05, marginDb: 12, noiseFloorPercentile: 10, minGapSeconds: 2, minSectionSeconds: 0.5 },
  tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' },
  now: () => new Date(),
});
const json = JSON.stringify(r); // the sidecar's serialisation is part of the work
const ms = performance.now() - t0;
if (r.error) throw new Error(`analysis failed: ${r.error.code} ${r.error.message}`);
console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, durationSeconds: r.durationSeconds, lufs: r.integratedLufs, sidecarKb: Math.round(json.length / 1024) }));
