// npm run bench [-- segmenter|analyzer|web|soak …]: bootstraps (and so builds), then runs the benchmarks under bench/ one after another.
// Each prints its figures as ratios against a baseline measured in the same run (raw NATS publish, sox+ffmpeg,
// flac, nginx); none is a pass/fail test.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const all = readdirSync('bench')
  .filter((f) => f.endsWith('.ts') && !f.endsWith('-run.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
// soak runs for many minutes (ISR_SOAK_MINUTES, default 10): only when named (`npm run bench -- soak`).
const onlyWhenNamed = ['soak'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all.filter((n) => !onlyWhenNamed.includes(n));
const unknown = chosen.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; there are: ${all.join(', ')}`);
  process.exit(2);
}
// script/bootstrap --bench: the baselines' packages (nginx) and the build.
const deps = spawnSync('script/bootstrap', ['--bench'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);
for (const name of chosen) {
  console.log(`\n=== bench/${name}.ts`);
  const r = spawnSync(process.execPath, ['--conditions=development', `bench/${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
