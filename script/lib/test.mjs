// Runs every test file with Node's test runner on the TypeScript sources (type stripping),
// resolving workspace packages to their sources through the "development" export condition.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const patterns = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'];
const files = patterns.flatMap((p) => globSync(p)).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.ISR_TEST_CONCURRENCY ?? '3';
const run = (list, n) =>
  list.length
    ? (spawnSync(
        process.execPath,
        ['--conditions=development', '--test', `--test-concurrency=${n}`, '--test-timeout=240000', ...list],
        { stdio: 'inherit' },
      ).status ?? 1)
    : 0;
// The cluster tests kill and restart three nats-servers each and measure fail-over times: they run after the
// rest, one file at a time, so that two clusters do not compete for the same cores in the middle of a fail-over.
const cluster = files.filter((f) => f.startsWith('test/cluster/'));
const rest = run(
  files.filter((f) => !cluster.includes(f)),
  concurrency,
);
const clustered = run(cluster, '1');
process.exit(rest || clustered);
