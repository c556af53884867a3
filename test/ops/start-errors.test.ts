// `npm start` refuses bad input with a clear message and the right exit status, starting nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, repoRoot, tempDir } from '@isr/testkit';
import { startEnv } from './processes.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-start-err-');
});
after(async () => {
  await dir.remove();
});

const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'script/lib/start.mjs'), '--no-build', ...args], {
    cwd: dir.path,
    env: startEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });

test('a --config file that is not there is refused, saying how to make one (exit 2)', () => {
  const r = run('--config', join(dir.path, 'missing.ini'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no configuration at .*missing\.ini: cp config\.example\.ini config\.ini/);
});

test('an invalid config is reported once, naming file, section and key (exit 2)', () => {
  const file = join(dir.path, 'bad.ini');
  writeFileSync(file, '[general]\nsplit_minute = 5\n[radio]\ntype = stream\n');
  const r = run('--config', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.ini \[general\] split_minute: unknown key \(did you mean "split_minutes"\?\)/);
  assert.match(r.stderr, /bad\.ini \[radio\] url: required key is missing/);
});

test('a bad tone section (unknown key, level above 0 dBFS, negative silence) is refused naming file, section and key (exit 2)', () => {
  const file = join(dir.path, 'tone.ini');
  writeFileSync(
    file,
    '[general]\n[lineup]\ntype = tone\ntone_volume = 3\ntone_level_dbfs = 1.5\ntone_silence_seconds = -1\n',
  );
  const r = run('--config', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tone\.ini \[lineup\] tone_volume: unknown key/);
  assert.match(r.stderr, /tone\.ini \[lineup\] tone_level_dbfs: must be at most 0/);
  assert.match(r.stderr, /tone\.ini \[lineup\] tone_silence_seconds: must be at least 0/);
});

test('an unknown service name is refused (exit 2)', () => {
  const r = run('--services', 'segmenter,recorder');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown service\(s\) recorder/);
});

test('an unreachable NATS on another machine is an error, not a local server (exit 1)', async () => {
  const file = join(dir.path, 'remote.ini');
  // a loopback address other than 127.0.0.1: start.mjs starts no server there, and no packet leaves this machine
  writeFileSync(file, `[general]\nnats_url = nats://127.0.0.2:${await freePort()}\n`);
  const r = run('--config', file);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /not reachable \(and is not this machine, so none is started\)/);
});
