// Soak: the whole stack as an operator runs it, for many minutes, and whether each service's resident memory
// stays flat after warm-up (issue 16: a logger that grows 50 % an hour is killed by the kernel within days).
//
//   npm run build && ISR_SOAK_MINUTES=60 node --conditions=development bench/soak.ts   (default 10 minutes)
//   npm run bench -- soak                                                             (takes ISR_SOAK_MINUTES too)
//
// A private nats-server; icecast2 fed by four `ffmpeg -re` sources (two MP3, an Ogg Vorbis and an Ogg Opus;
// sine and noise from lavfi); two soundcards through the testkit's paced fake arecord (48 kHz stereo WAV and
// 44.1 kHz stereo FLAC, the counter signal); split_minutes = 1; the five BUILT services (services/*/dist/main.js)
// as real processes with their defaults (analyzer live levels included); web's /api/files read every 30 s, like
// a browser left open. Every 30 s this process reads each service's VmRSS from /proc/<pid>/status.
//
// ISR_SOAK_NODE_OPTIONS adds V8 options after the services' own (e.g. --max-semi-space-size=16 to compare
// with Node's default young generation). Printed at the end: each service's RSS at minute `warm` (5, or a fifth of the run when shorter) and at the
// end, the growth between them and that growth extrapolated to an hour (the issue's target: < 10 %/h); then
// every recording is decoded (`ffmpeg -v error -i FILE -f null -`) and counted, and the soundcards' files,
// decoded in order, must continue the counter signal from one file to the next (contiguous).
// There is no baseline to divide by: memory growth over time has no same-run reference peer (nats-server and
// icecast2 run beside the services, but their RSS says nothing about ours), so the figures are absolute.
// Keep the wording of the summary lines stable: runs are compared by them.
//
// ISR_SOAK_HEAPSNAPSHOTS=segmenter,capture-stream (or `all`) starts those services with
// NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 and signals them at 60 % of the warm-up (early, before the
// warm-up sample, so the snapshot's own memory is in both RSS figures) and after the last sample (late); the
// .heapsnapshot files go to ISR_SOAK_SNAPSHOT_DIR (default a kept /tmp/isr-soak-snapshots-* directory).
// script/lib/heap-diff.mjs compares two of them by constructor.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceNodeOptions } from '@isr/runtime';
import {
  counterContinuity,
  feedIcecast,
  ffmpegErrors,
  freePort,
  recordingFiles,
  startIcecast,
  startNatsServer,
  startService,
  waitFor,
  writeFakeArecord,
  type IcecastFeed,
  type ServiceHandle,
} from '@isr/testkit';

const MINUTES = Number(
  process.env.ISR_SOAK_MINUTES ?? process.argv.find((a) => a.startsWith('--minutes='))?.split('=')[1] ?? 10,
);
if (!(MINUTES >= 1)) throw new Error(`ISR_SOAK_MINUTES must be a number ≥ 1 (got ${process.env.ISR_SOAK_MINUTES})`);
const WARM_MIN = Math.min(5, MINUTES / 5);
const SAMPLE_MS = 30_000;
const SERVICES = ['capture-stream', 'capture-alsa', 'segmenter', 'analyzer', 'web'] as const;
type Service = (typeof SERVICES)[number];
const snapWanted = (process.env.ISR_SOAK_HEAPSNAPSHOTS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const snapServices = new Set<Service>(SERVICES.filter((s) => snapWanted.includes(s) || snapWanted.includes('all')));
const STREAMS = [
  { name: 'mp3sine', mount: '/mp3sine', codec: 'mp3', lavfi: undefined },
  { name: 'mp3noise', mount: '/mp3noise', codec: 'mp3', lavfi: 'anoisesrc=color=pink:sample_rate=44100:amplitude=0.3' },
  { name: 'vorbis', mount: '/vorbis', codec: 'vorbis', lavfi: undefined },
  {
    name: 'opusnoise',
    mount: '/opusnoise',
    codec: 'opus',
    lavfi: 'anoisesrc=color=white:sample_rate=48000:amplitude=0.2',
  },
] as const;
const CARDS = [
  { name: 'card1', sampleRate: 48000, channels: 2, format: 'wav' },
  { name: 'card2', sampleRate: 44100, channels: 2, format: 'flac' },
] as const;

/** VmRSS of a process in MB (1 MB = 1024 KiB, as /proc counts), NaN once it has gone. */
function rssMb(pid: number | undefined): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, NaN once it has gone. */
function cpuSeconds(pid: number | undefined): number {
  try {
    // fields after the command name (which may hold spaces, so split after its closing parenthesis)
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return NaN;
  }
}

/** Every recording under the root (sidecars and journals aside), by source, in time order. */
function recordings(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const source of readdirSync(root)) {
    if (!statSync(join(root, source)).isDirectory()) continue;
    const files = ['wav', 'flac', 'mp3', 'ogg', 'opus'].flatMap((ext) => recordingFiles(root, source, ext)).sort();
    if (files.length) out.set(source, files);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'isr-bench-soak-'));
const snapDir =
  process.env.ISR_SOAK_SNAPSHOT_DIR ?? (snapServices.size ? mkdtempSync(join(tmpdir(), 'isr-soak-snapshots-')) : '');
if (snapDir) mkdirSync(snapDir, { recursive: true });
const rec = join(dir, 'rec');
const nats = await startNatsServer();
const ice = await startIcecast();
const feeds: IcecastFeed[] = [];
const running = new Map<Service, ServiceHandle>();
try {
  for (const s of STREAMS)
    feeds.push(await feedIcecast({ target: ice.sourceUrl(s.mount), codec: s.codec, lavfi: s.lavfi }));
  const fake = writeFakeArecord(dir);
  const configFile = join(dir, 'config.ini');
  writeFileSync(
    configFile,
    `[general]
output_directory = ${rec}
split_minutes = 1
timezone = UTC
arecord_path = ${fake}
${STREAMS.map(
  (s) => `
[${s.name}]
type = stream
url = ${ice.url(s.mount)}
`,
).join('')}${CARDS.map(
      (c) => `
[${c.name}]
type = soundcard
device = hw:${c.name}
sample_rate = ${c.sampleRate}
channels = ${c.channels}
format = ${c.format}
`,
    ).join('')}`,
  );
  const webPort = await freePort();
  const start = async (name: Service, args: string[] = []) => {
    const env: Record<string, string> = {
      NATS_URL: nats.url,
      LOG_LEVEL: 'info',
      METRICS_PORT: String(await freePort()),
    };
    // startService puts the services' own V8 options (SERVICE_NODE_OPTIONS) first; these come after and win
    env.NODE_OPTIONS = process.env.ISR_SOAK_NODE_OPTIONS ?? '';
    if (snapServices.has(name))
      env.NODE_OPTIONS += ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${join(snapDir, name)}`;
    if (snapServices.has(name)) mkdirSync(join(snapDir, name), { recursive: true });
    const svc = startService(name, ['--config', configFile, ...args], env);
    running.set(name, svc);
    return svc;
  };
  const seg = await start('segmenter');
  await waitFor(
    `segmenter consuming\n${seg.output()}`,
    () => seg.output().includes('segmenter consuming') || seg.child.exitCode !== null,
    60_000,
  );
  await start('analyzer');
  await start('web', ['--dir', rec, '--port', String(webPort)]);
  await start('capture-stream');
  await start('capture-alsa');
  await waitFor(
    'web /healthz',
    () =>
      fetch(`http://127.0.0.1:${webPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    60_000,
  );

  console.log(
    `soak: ${MINUTES} min, ${STREAMS.length} Icecast streams (2 MP3, Ogg Vorbis, Ogg Opus) + ${CARDS.length} soundcards (paced fake arecord: WAV 48 kHz, FLAC 44.1 kHz), split_minutes = 1, all five services${snapDir ? `; heap snapshots of ${[...snapServices].join(', ')} in ${snapDir}` : ''}`,
  );
  const t0 = Date.now();
  const samples: { min: number; rss: Record<Service, number> }[] = [];
  const snapshot = (tag: string) => {
    for (const s of snapServices) running.get(s)!.child.kill('SIGUSR2');
    console.log(`  ${tag} heap snapshots requested at minute ${((Date.now() - t0) / 60_000).toFixed(1)}`);
  };
  let earlyTaken = snapServices.size === 0;
  for (let i = 0; ; i++) {
    const due = t0 + i * SAMPLE_MS;
    if (!earlyTaken && due > t0 + WARM_MIN * 0.6 * 60_000) {
      await sleep(Math.max(0, t0 + WARM_MIN * 0.6 * 60_000 - Date.now()));
      snapshot('early');
      earlyTaken = true;
    }
    await sleep(Math.max(0, due - Date.now()));
    const min = (Date.now() - t0) / 60_000;
    const rss = Object.fromEntries(SERVICES.map((s) => [s, rssMb(running.get(s)!.child.pid)])) as Record<
      Service,
      number
    >;
    samples.push({ min, rss });
    const dead = SERVICES.filter((s) => running.get(s)!.child.exitCode !== null);
    console.log(
      `  min ${min.toFixed(1).padStart(5)}: ${SERVICES.map((s) => `${s} ${rss[s].toFixed(0)}`).join(', ')} MB${dead.length ? `; EXITED: ${dead.join(', ')}` : ''}`,
    );
    if (dead.length)
      throw new Error(
        `${dead.join(', ')} exited:\n${dead.map((s) => running.get(s)!.output().slice(-3000)).join('\n')}`,
      );
    await fetch(`http://127.0.0.1:${webPort}/api/files?limit=100`).then(
      (r) => r.text(),
      () => '',
    );
    if (min >= MINUTES - 0.01) break;
  }
  if (snapServices.size) {
    snapshot('late');
    // a snapshot blocks the process while it writes: wait until every file is complete (its size stops changing)
    await sleep(5000);
    await waitFor(
      'heap snapshots written',
      () =>
        [...snapServices].every((s) => {
          const files = readdirSync(join(snapDir, s)).filter((f) => f.endsWith('.heapsnapshot'));
          return files.length >= 2;
        }),
      120_000,
      1000,
    );
    await sleep(10_000);
  }

  const cpu = Object.fromEntries(SERVICES.map((s) => [s, cpuSeconds(running.get(s)!.child.pid)])) as Record<
    Service,
    number
  >;
  // stop in the order an operator's shutdown does: captures first, so the segmenter closes every file it holds
  for (const s of ['capture-stream', 'capture-alsa', 'segmenter', 'analyzer', 'web'] as const)
    await running.get(s)!.stop('SIGTERM', 60_000);
  const files = recordings(rec);
  let count = 0;
  const bad: string[] = [];
  for (const [, list] of files)
    for (const f of list) {
      count++;
      const e = ffmpegErrors(f);
      if (e) bad.push(`${f.slice(rec.length + 1)}: ${e.trim().split('\n')[0]}`);
    }
  const contiguous = CARDS.map(
    (c) =>
      `${c.name} ${counterContinuity(files.get(c.name) ?? [], c.channels) ?? (files.get(c.name)?.length ? 'yes' : 'NO FILES')}`,
  );

  const warm = samples.find((s) => s.min >= WARM_MIN - 0.01) ?? samples[0]!;
  const end = samples.at(-1)!;
  const hours = (end.min - warm.min) / 60;
  console.log(
    `\nsoak summary: ${MINUTES} min, NODE_OPTIONS ${serviceNodeOptions(process.env.ISR_SOAK_NODE_OPTIONS)}, RSS at minute ${warm.min.toFixed(1)} (warm-up) and at minute ${end.min.toFixed(1)} (end)`,
  );
  console.log(
    `  ${'service'.padEnd(15)} ${'warm MB'.padStart(8)} ${'end MB'.padStart(8)} ${'growth'.padStart(8)} ${'per hour'.padStart(9)}`,
  );
  for (const s of SERVICES) {
    const g = (end.rss[s] / warm.rss[s] - 1) * 100;
    console.log(
      `  ${s.padEnd(15)} ${warm.rss[s].toFixed(1).padStart(8)} ${end.rss[s].toFixed(1).padStart(8)} ${`${g >= 0 ? '+' : ''}${g.toFixed(1)} %`.padStart(8)} ${`${g >= 0 ? '+' : ''}${(g / hours).toFixed(1)} %/h`.padStart(9)}`,
    );
  }
  console.log(
    `  CPU time: ${SERVICES.map((s) => `${s} ${cpu[s].toFixed(0)} s (${((cpu[s] / (end.min * 60)) * 100).toFixed(1)} %)`).join(', ')}`,
  );
  console.log(
    `  peak RSS: ${SERVICES.map((s) => `${s} ${Math.max(...samples.map((x) => x.rss[s])).toFixed(1)}`).join(', ')} MB`,
  );
  console.log(
    `  files: ${count} recordings (${[...files].map(([s, l]) => `${s} ${l.length}`).join(', ')}), ${count - bad.length} play, ${bad.length} do not`,
  );
  for (const b of bad.slice(0, 10)) console.log(`    does not play: ${b}`);
  console.log(`  soundcards contiguous: ${contiguous.join('; ')}`);
  console.log(`  target: growth after warm-up < 10 %/h for every service`);
} finally {
  for (const s of running.values()) await s.stop('SIGKILL');
  for (const f of feeds) await f.stop();
  await ice.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
