import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeJson, parseJson, Subjects, type AnalysisDoneEvent } from '@isr/contract';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { freePort, repoRoot, startService, waitFor } from '@isr/testkit';
import { makeBursts } from './fixtures.ts';
import { serverAndDir } from './harness.ts';

const shared = serverAndDir('isr-analyzer-main-');

test('the built service (node services/analyzer/dist/main.js) analyzes a closed segment, serves /metrics and stops on SIGTERM', async () => {
  assert.ok(existsSync(join(repoRoot, 'services/analyzer/dist/main.js')), 'run `npm run build` first');
  const out = join(shared.dir, 'rec');
  await mkdir(join(out, 'radio1'), { recursive: true });
  makeBursts(join(out, 'radio1/a.wav'), 16000, 1);
  const ini = join(shared.dir, 'isr.ini');
  await writeFile(ini, `[general]\noutput_directory = ${out}\nanalyzer_startup_scan = false\n`);
  const port = await freePort();
  const svc = startService('analyzer', ['--config', ini], { NATS_URL: shared.server.url, METRICS_PORT: String(port) });
  const nc = await connect({ servers: shared.server.url });
  try {
    await waitFor(
      `analyzer metrics on :${port}\n${svc.output()}`,
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok,
      30_000,
    );
    const done: AnalysisDoneEvent[] = [];
    nc.subscribe(Subjects.analysisDoneAll, {
      callback: (_e, m) => {
        done.push(parseJson<AnalysisDoneEvent>(m.data, 'done'));
      },
    });
    await nc.flush();
    await jetstream(nc).publish(
      Subjects.segmentClosed('radio1'),
      encodeJson({ source: 'radio1', path: 'radio1/a.wav' }),
    );
    await waitFor(`done event\n${svc.output()}`, () => done.length > 0, 30_000);
    assert.equal(done[0]!.ok, true);
    assert.ok(existsSync(join(out, 'radio1/a.wav.analysis.json')));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /isr_analyzer_files_total\{result="ok",trigger="event",service="analyzer"\} 1/);
    assert.match(metrics, /isr_analyzer_seconds_bucket/);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool check metrics: ${lint.error ?? ''}${lint.stdout}${lint.stderr}`);
  } finally {
    await nc.close();
    assert.equal(await svc.stop(), 0, svc.output());
  }
});
