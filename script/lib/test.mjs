// Runs every test file with Node's test runner on the TypeScript sources (type stripping),
// resolving workspace packages to their sources through the "development" export condition.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const patterns = process.argv.slice(2).length ? process.argv.slice(2) : ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'];
const files = patterns.flatMap((p) => globSync(p)).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.ISR_TEST_CONCURRENCY ?? '3';
const r = spawnSync(process.execPath, ['--conditions=development', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=240000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
