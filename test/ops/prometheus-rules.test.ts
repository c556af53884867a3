// The alert rules load in Prometheus (promtool check rules) and fire on the series they are about
// (promtool test rules prometheus/alerts.test.yml); the compose Prometheus config is valid.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@isr/testkit';

const dir = join(repoRoot, 'prometheus');
const promtool = (...args: string[]) => {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

test('promtool check rules accepts the alert rules', () => {
  const r = promtool('check', 'rules', 'alerts.yml');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 13 rules found/);
});

test('each alert fires on its condition after its "for" duration, and not before (promtool test rules)', () => {
  const r = promtool('test', 'rules', 'alerts.test.yml');
  assert.equal(r.status, 0, r.output);
  const tests = readFileSync(join(dir, 'alerts.test.yml'), 'utf8');
  for (const alert of [
    'IsrServiceDown',
    'IsrSourceNotRecording',
    'IsrDeadAir',
    'IsrDiskNearlyFull',
    'IsrSegmenterFallingBehind',
    'IsrSegmenterBacklog',
    'IsrSegmenterStalled',
    'IsrSegmenterWriteErrors',
    'IsrDiskBelowMinFree',
    'IsrDiskGuardDeletingYoungRecordings',
    'IsrSegmenterSourceHeld',
  ]) {
    assert.ok(tests.includes(`alertname: ${alert}`), `${alert} has a unit test`);
  }
});

test('promtool check config accepts prometheus.yml (scrape jobs and rule files)', () => {
  const r = promtool('check', 'config', 'prometheus.yml');
  assert.equal(r.status, 0, r.output);
});
