// `npm start` refuses bad input with a clear message and the right exit status, starting nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, repoRoot, tempDir } from '@isr/testkit';
import { startEnv } from './processes.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => { dir = await tempDir('isr-start-err-'); });
after(async () => { await dir.remove(); });

const run = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'script/lib/start.mjs'), '--no-build', ...args], { cwd: dir.path, env: startEnv(), encoding: 'utf8', timeout: 30_000 });

test('without a config file it says how to make one (exit 2)', () => {
  const r = run();
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no configuration at .*config\.ini: cp config\.example\.ini config\.ini/);
});

test('an invalid config is reported once, naming file, section and key (exit 2)', () => {
  const file = join(dir.path, 'bad.ini');
  writeFileSync(file, '[general]\nsplit_minute = 5\n[radio]\ntype = stream\n');
  const r = run('--config', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.ini \[general\] split_minute: unknown key \(did you mean "split_minutes"\?\)/);
  assert.match(r.stderr, /bad\.ini \[radio\] url: required key is missing/);
});

test('an unknown service name is refused (exit 2)', () => {
  const r = run('--services', 'segmenter,recorder');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown service\(s\) recorder/);
});

test('an unreachable NATS on another machine is an error, not a local server (exit 1)', async () => {
  const file = join(dir.path, 'remote.ini');
  writeFileSync(file, `[general]\nnats_url = nats://192.0.2.1:${await freePort()}\n`); // TEST-NET-1: never routed
  const r = run('--config', file);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /not reachable \(and is not this machine, so none is started\)/);
});
