// If the `npm start` supervisor dies without stopping its children (SIGKILL, a closed terminal), the services
// and nats-server notice their stdin pipe end and stop gracefully: nothing is left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, repoRoot, tempDir, waitFor } from '@isr/testkit';
import { alive, descendants, startEnv } from './processes.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('isr-orphan-');
});
after(async () => {
  await dir.remove();
});

test('SIGKILL of the supervisor: services and nats-server stop by themselves, gracefully', async () => {
  const [nats, seg, web] = [await freePort(), await freePort(), await freePort()];
  const config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    `[general]\noutput_directory = ${join(dir.path, 'rec')}\nnats_url = nats://127.0.0.1:${nats}\nsegmenter_metrics_port = ${seg}\nweb_port = ${web}\nshutdown_timeout_seconds = 10\n`,
  );
  let out = '';
  const sup = spawn(
    process.execPath,
    [
      join(repoRoot, 'script/lib/start.mjs'),
      '--no-build',
      '--config',
      config,
      '--services',
      'segmenter,web',
      '--nats-store',
      join(dir.path, 'nats'),
      '--nats-monitor-port',
      String(await freePort()),
    ],
    { cwd: dir.path, env: startEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  sup.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  sup.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    `web /healthz\n${out}`,
    async () => (await fetch(`http://127.0.0.1:${web}/healthz`).catch(() => null))?.ok,
    60_000,
    250,
  );
  const procs = descendants(sup.pid!);
  assert.ok(procs.length >= 4, `guard + nats-server + segmenter + web run under the supervisor (${procs.length})`);
  sup.kill('SIGKILL');
  await waitFor(
    `every process gone after the supervisor died\n${out.slice(-2000)}`,
    () => procs.every((p) => !alive(p)),
    30_000,
    200,
  );
  assert.equal(
    out.match(/"msg":"shutting down"/g)?.length,
    2,
    'both services shut down through their own SIGTERM path',
  );
});
