// npm run bench [-- segmenter|analyzer|web|soak …]: bootstraps (and so builds), then runs the benchmarks under bench/ one after another.
// Each prints its figures as ratios against a baseline measured in the same run (raw NATS publish, sox+ffmpeg,
// flac, nginx); none is a pass/fail test.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

// A benchmark's summary lines (keep their wording stable: runs are compared by them). After each benchmark they are
// printed beside the previous run's, kept in bench/out/summary-NAME.txt.
const SUMMARY = /ratio|max sustained|^catch-up:|^\/api\/files|^CPU per|summary:/;
const summaryFile = (name) => `bench/out/summary-${name}.txt`;

/** Runs one benchmark, its output passed through; resolves with its exit code and summary lines. */
async function run(name) {
  const child = spawn(process.execPath, ['--conditions=development', `bench/${name}.ts`], {
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const lines = [];
  for await (const line of createInterface({ input: child.stdout })) {
    console.log(line);
    if (SUMMARY.test(line.trim())) lines.push(line.trim());
  }
  return { code: await exited, lines };
}

function previous(name) {
  try {
    return readFileSync(summaryFile(name), 'utf8').trimEnd().split('\n');
  } catch {
    return null;
  }
}

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
  const { code, lines } = await run(name);
  if (code !== 0) process.exit(code);
  if (!lines.length) continue;
  const before = previous(name);
  console.log(`\n--- bench/${name}.ts, this run:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  if (before)
    console.log(
      `--- the previous run (${before[0]}):\n${before
        .slice(1)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  else console.log('--- no previous run kept here');
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(summaryFile(name), [new Date().toISOString(), ...lines].join('\n') + '\n');
}
