// `npm start` (script/lib/start.mjs) with a temp config: it starts a nats-server from nats.conf (per-service
// users, random passwords) and every service; a real Icecast stream fed by ffmpeg is recorded to files the
// web port serves; every /metrics passes `promtool check metrics`; a real Prometheus scraping the stack sees
// up == 1 for every target and evaluates the alert rules; SIGINT stops everything, leaving no process and
// no unplayable file.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  feedIcecast,
  ffmpegErrors,
  freePort,
  recordingFiles,
  repoRoot,
  startIcecast,
  tempDir,
  waitFor,
  writeFakeArecord,
  type IcecastFeed,
  type IcecastHandle,
} from '@isr/testkit';
import { alive, descendants, startEnv } from './processes.ts';

const SERVICES = ['capture-stream', 'capture-alsa', 'segmenter', 'analyzer', 'web'] as const;
const PORT_KEYS = {
  'capture-stream': 'capture_stream_metrics_port',
  'capture-alsa': 'capture_alsa_metrics_port',
  segmenter: 'segmenter_metrics_port',
  analyzer: 'analyzer_metrics_port',
  web: 'web_port',
} as const;

let dir: { path: string; remove(): Promise<void> };
let icecast: IcecastHandle;
let feed: IcecastFeed;
let oggFeed: IcecastFeed;
let start: ChildProcess;
let startOut = '';
let startExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
const ports = {} as Record<(typeof SERVICES)[number], number>;
let natsPort = 0;
let prom: ChildProcess | null = null;
const recordings = () => join(dir.path, 'recordings');

/** The finished-or-growing audio files of a source (none before its directory exists). */
const audioFiles = (source = 'radio') => {
  try {
    return ['mp3', 'wav', 'flac', 'ogg', 'aac'].flatMap((ext) => recordingFiles(recordings(), source, ext));
  } catch {
    return [];
  }
};

before(async () => {
  // `npm test` builds with tsc -b; the archive page bundle is web's own build step (start.mjs runs it
  // unless --no-build, which this test uses so it never rebuilds under other tests' feet)
  if (!existsSync(join(repoRoot, 'services/web/dist/public/index.html'))) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'services/web/scripts/bundle-page.ts')], {
      cwd: join(repoRoot, 'services/web'),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  }
  dir = await tempDir('isr-start-');
  icecast = await startIcecast();
  feed = await feedIcecast({ target: icecast.sourceUrl('/radio'), codec: 'mp3' });
  // Ogg/Opus: the codec header pages travel through KV isr_codec (capture writes, segmenter and analyzer read)
  oggFeed = await feedIcecast({ target: icecast.sourceUrl('/radio_ogg'), codec: 'opus' });
  natsPort = await freePort();
  for (const s of SERVICES) ports[s] = await freePort();
  const config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    [
      '[general]',
      `output_directory = ${recordings()}`,
      'split_minutes = 0.1',
      `nats_url = nats://127.0.0.1:${natsPort}`,
      'shutdown_timeout_seconds = 10',
      // the soundcard edge: a paced stand-in for arecord (no sound hardware here)
      `arecord_path = ${writeFakeArecord(dir.path)}`,
      ...SERVICES.map((s) => `${PORT_KEYS[s]} = ${ports[s]}`),
      '',
      '[radio]',
      'type = stream',
      `url = ${icecast.url('/radio')}`,
      '',
      '[radio_ogg]',
      'type = stream',
      `url = ${icecast.url('/radio_ogg')}`,
      '',
      '[studio]',
      'type = soundcard',
      'device = default',
      'sample_rate = 48000',
      'channels = 2',
      'format = wav',
      '',
      '[studio_flac]',
      'type = soundcard',
      'device = default',
      'format = flac',
      '',
    ].join('\n'),
  );
  start = spawn(
    process.execPath,
    [
      join(repoRoot, 'script/lib/start.mjs'),
      '--config',
      config,
      '--no-build',
      '--nats-store',
      join(dir.path, 'nats'),
      '--nats-monitor-port',
      String(await freePort()),
    ],
    {
      cwd: dir.path,
      env: { ...startEnv(), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  start.stdout!.on('data', (d: Buffer) => (startOut += d.toString()));
  start.stderr!.on('data', (d: Buffer) => (startOut += d.toString()));
  startExit = new Promise((r) => start.once('exit', (code, signal) => r({ code, signal })));
});

after(async () => {
  if (prom && prom.exitCode === null) prom.kill('SIGKILL');
  if (start && start.exitCode === null && start.signalCode === null) {
    start.kill('SIGINT');
    await Promise.race([startExit, sleep(30_000, undefined, { ref: false })]);
  }
  await feed?.stop();
  await oggFeed?.stop();
  await icecast?.stop();
  await dir?.remove();
});

test('npm start runs NATS and every service; they report healthy', async () => {
  for (const s of SERVICES) {
    await waitFor(
      `${s} /healthz on ${ports[s]}\n${startOut.slice(-3000)}`,
      async () => {
        if (start.exitCode !== null) throw new Error(`start.mjs exited ${start.exitCode}:\n${startOut}`);
        return (await fetch(`http://127.0.0.1:${ports[s]}/healthz`).catch(() => null))?.ok;
      },
      60_000,
      250,
    );
  }
  assert.match(startOut, /starting nats-server with nats.conf/);
});

test('a real Icecast stream is recorded into split files that the web port lists and serves', async () => {
  // 6-second files: wait until a whole one (not the first, partial one) is complete and the web index lists it
  const listed = await waitFor(
    `a finished recording listed by /api/files\n${startOut.slice(-3000)}`,
    async () => {
      if (audioFiles().length < 2) return null;
      const body = (await (await fetch(`http://127.0.0.1:${ports.web}/api/files?source=radio`)).json()) as {
        files: { path: string; bytes: number; durationSeconds: number | null }[];
      };
      return body.files.find((f) => f.durationSeconds !== null && f.durationSeconds >= 5);
    },
    60_000,
    500,
  );
  const onDisk = join(recordings(), listed.path);
  assert.ok(
    statSync(onDisk).size > 50_000,
    `${listed.path} has ~6 s of 128 kb/s audio (${statSync(onDisk).size} bytes)`,
  );
  const res = await fetch(`http://127.0.0.1:${ports.web}/stream/${listed.path}`, {
    headers: { range: 'bytes=0-1023' },
  });
  assert.equal(res.status, 206);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(onDisk).subarray(0, 1024));
  assert.equal(relative(recordings(), onDisk).split('/')[0], 'radio');
  const page = await fetch(`http://127.0.0.1:${ports.web}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i, 'the archive page');
});

test('promtool check metrics accepts the /metrics of every service', async () => {
  // A service that stopped on its own (an analyzer's FLAC worker thread once inherited the parent watch and
  // SIGTERMed it) is restarted by the supervisor: none may have been.
  assert.doesNotMatch(startOut, /exited \(.*\); restarting/, 'no service stopped and was restarted');
  for (const s of SERVICES) {
    const text = await (await fetch(`http://127.0.0.1:${ports[s]}/metrics`)).text();
    assert.match(text, /^process_cpu_user_seconds_total/m, `${s} serves Prometheus text`);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${s}: ${r.stdout}${r.stderr}`);
  }
});

test('a real Prometheus scraping the stack sees up == 1 for every target and evaluates the alert rules', async () => {
  const promPort = await freePort();
  const promDir = join(dir.path, 'prometheus');
  const cfg = join(dir.path, 'prometheus.yml');
  writeFileSync(
    cfg,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${join(repoRoot, 'prometheus/alerts.yml')}"]`,
      'scrape_configs:',
      ...SERVICES.map((s) => `  - { job_name: isr-${s}, static_configs: [ { targets: ["127.0.0.1:${ports[s]}"] } ] }`),
      '',
    ].join('\n'),
  );
  let out = '';
  prom = spawn(
    'prometheus',
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${promDir}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prom.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  prom.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const up = await waitFor(
      `Prometheus: up == 1 for all ${SERVICES.length} targets\n${out}`,
      async () => {
        const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`).catch(() => null);
        if (!r?.ok) return null;
        const body = (await r.json()) as { data: { result: { metric: { job: string }; value: [number, string] }[] } };
        const res = body.data.result;
        return res.length === SERVICES.length && res.every((x) => x.value[1] === '1') ? res : null;
      },
      45_000,
      500,
    );
    assert.deepEqual(up.map((x) => x.metric.job).sort(), SERVICES.map((s) => `isr-${s}`).sort());
    const rules = await waitFor(
      'alert rules evaluated',
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as {
          data: { groups: { rules: { name: string; health: string; lastEvaluation: string }[] }[] };
        };
        const all = body.data.groups.flatMap((g) => g.rules);
        return all.length && all.every((r) => r.health === 'ok') ? all : null;
      },
      20_000,
      500,
    );
    assert.equal(
      rules.length,
      readFileSync(join(repoRoot, 'prometheus/alerts.yml'), 'utf8').match(/^\s*- alert:/gm)?.length,
      'every rule of alerts.yml is loaded',
    );
    // the stream records, so it is not "not recording"
    const firing = (await (
      await fetch(
        `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('isr_capture_stream_up{source="radio"}')}`,
      )
    ).json()) as { data: { result: { value: [number, string] }[] } };
    assert.equal(firing.data.result[0]?.value[1], '1', 'isr_capture_stream_up{source="radio"} is 1 while recording');
  } finally {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
});

test('SIGINT stops every process it started and leaves every file playable', async () => {
  const procs = descendants(start.pid!);
  assert.ok(procs.length >= SERVICES.length + 1, `nats-server and the services run under start.mjs (${procs.length})`);
  start.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const { code } = await Promise.race([
    startExit,
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`start.mjs did not exit within 45 s\n${startOut.slice(-3000)}`)), 45_000);
    }),
  ]);
  clearTimeout(timer);
  assert.equal(code, 0, startOut.slice(-3000));
  await waitFor('every child process gone', () => procs.every((p) => !alive(p)), 5000);
  const sources = ['radio', 'radio_ogg', 'studio', 'studio_flac'];
  const files = sources.flatMap((s) => audioFiles(s));
  for (const source of sources) assert.ok(audioFiles(source).length >= 2, `files of ${source}: ${files.join(' ')}`);
  for (const f of audioFiles('studio_flac')) {
    const t = spawnSync('flac', ['-t', '-s', f], { encoding: 'utf8' });
    assert.equal(t.status, 0, `flac -t ${f}: ${t.stderr}`);
  }
  for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} decodes without errors`);
  assert.doesNotMatch(startOut, /did not stop within/);
  // every service did its work as its own nats.conf user without a single refused subject
  assert.doesNotMatch(startOut, /Violation/i, 'least privilege, but working');
});
