#!/usr/bin/env node
// `script/server` / `npm start`: ISR without Docker. Builds what is missing or stale, makes sure NATS is there
// (the configured nats_url / NATS_URL, or a local nats-server from nats.conf started here), then runs every
// service with the same config file, and on Ctrl+C (SIGINT) or SIGTERM stops them all cleanly: captures first,
// then the others, NATS last. With no config file at all it runs the embedded demo (start/demo.mjs).
//
//   npm start [-- --config FILE] [--services a,b] [--no-build] [--nats-store DIR] [--nats-monitor-port N]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  firstServer,
  freePort,
  isLocalHost,
  NATS_USERS,
  natsPasswords,
  portFree,
  reachable,
  startLocalNats,
} from './start/local-nats.mjs';
import { writeDemoConfig } from './start/demo.mjs';
import { Supervisor } from './start/supervisor.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ALL = ['segmenter', 'capture-stream', 'capture-alsa', 'analyzer', 'web'];
const CAPTURES = ['capture-stream', 'capture-alsa'];
const say = (msg) => process.stderr.write(`isr-start: ${msg}\n`);

let opts;
try {
  opts = parseArgs({
    options: {
      config: { type: 'string' },
      services: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'nats-store': { type: 'string' },
      'nats-monitor-port': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  say(err.message);
  process.exit(2);
}
if (opts.help) {
  console.log(`usage: script/server [--config FILE] [--services ${ALL.join(',')}] [--nats-store DIR] [--nats-monitor-port N]
   or: npm start [-- the same options] [--no-build]   (script/server installs and builds first; npm start builds)
Without --config: $ISR_CONFIG, else ./config.ini, else the embedded demo (a tone source recorded into
./recordings; its config is written to .isr/demo.ini). NATS: NATS_URL, else nats_url of the config; when nothing
listens there (and it is this machine), a nats-server is started from nats.conf with a store in
--nats-store (default .isr/nats) and monitoring on --nats-monitor-port (default 8222).`);
  process.exit(0);
}

const services = opts.services
  ? opts.services
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : ALL;
const unknown = services.filter((s) => !ALL.includes(s));
if (unknown.length) {
  say(`unknown service(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  process.exit(2);
}
const named = opts.config ?? process.env.ISR_CONFIG;
const demo = !named && !existsSync(resolve('config.ini'));
const configFile = demo
  ? await writeDemoConfig(resolve('.isr'), resolve('recordings'))
  : resolve(named ?? 'config.ini');
if (!existsSync(configFile)) {
  say(
    `no configuration at ${configFile}: cp config.example.ini config.ini (and edit the sources), or pass --config FILE`,
  );
  process.exit(2);
}

// 1. build (tsc -b is incremental: a no-op when nothing changed; the web page bundle when missing or stale)
if (!opts['no-build']) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.json')],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) {
    say('build failed (tsc -b): fix the errors above, or run with --no-build');
    process.exit(1);
  }
  const bundler = join(root, 'services/web/scripts/bundle-page.ts');
  if (services.includes('web') && existsSync(bundler)) {
    const r = spawnSync(process.execPath, [bundler], { stdio: 'inherit', cwd: join(root, 'services/web') });
    if (r.status !== 0) {
      say('building the web page failed');
      process.exit(1);
    }
  }
}
for (const s of services) {
  if (!existsSync(join(root, 'services', s, 'dist/main.js'))) {
    say(`services/${s}/dist/main.js is missing: run npm run build (or drop --no-build)`);
    process.exit(1);
  }
}

// 2. the configuration, validated once here so a mistake is reported once, not by five services
const { loadConfig, ConfigError, serviceNodeOptions } = await import('@isr/runtime');
let config;
try {
  // As capture-stream first: it alone needs each stream's url (which may come from $ISR_SECRETS_FILE), and it
  // reports every other problem too.
  loadConfig({ service: 'capture-stream', argv: ['--config', configFile] });
  config = loadConfig({ service: 'segmenter', argv: ['--config', configFile] });
} catch (err) {
  if (err instanceof ConfigError) {
    say(err.message);
    process.exit(2);
  }
  throw err;
}

// 3. NATS
const natsUrl = config.nats.servers.join(',');
const target = firstServer(natsUrl);
const baseEnv = { ...process.env, ISR_CONFIG: configFile, NODE_OPTIONS: serviceNodeOptions(process.env.NODE_OPTIONS) };
const serviceEnv = {}; // per service: NATS credentials
let nats = null;
if (await reachable(target)) {
  say(`using the NATS server at ${natsUrl}`);
  // Per-service users when the operator exported the nats.conf passwords; else NATS_USER/NATS_PASSWORD/NATS_TOKEN as set.
  for (const s of services) {
    const pass = process.env[NATS_USERS[s]];
    if (pass) serviceEnv[s] = { NATS_USER: s, NATS_PASSWORD: pass };
  }
} else if (isLocalHost(target.host)) {
  const storeDir = resolve(opts['nats-store'] ?? join(process.cwd(), '.isr', 'nats'));
  let monitorPort = Number(opts['nats-monitor-port'] ?? 8222);
  if (!(await portFree(monitorPort))) {
    say(`port ${monitorPort} is busy: NATS monitoring on a free port instead`);
    monitorPort = 0;
  }
  const passwords = natsPasswords(process.env);
  say(`nothing listens on ${target.host}:${target.port}: starting nats-server with nats.conf (store ${storeDir})`);
  nats = await startLocalNats({
    confFile: join(root, 'nats.conf'),
    host: target.host,
    port: target.port,
    storeDir,
    monitorPort: monitorPort || (await freePort()),
    passwords,
    env: process.env,
    onLine: (line) => {
      if (/\[(ERR|WRN|FTL)\]/.test(line) && !/Plaintext passwords/.test(line)) say(`nats: ${line}`);
    },
  }).catch((err) => {
    say(err.message);
    process.exit(1);
  });
  for (const s of services) serviceEnv[s] = { NATS_USER: s, NATS_PASSWORD: passwords[NATS_USERS[s]] };
} else {
  say(
    `the NATS server at ${natsUrl} is not reachable (and is not this machine, so none is started): start it or fix nats_url / NATS_URL`,
  );
  process.exit(1);
}

// 4. the services: the segmenter (the provisioner of streams and buckets) first, then the others
let exitCode = 0;
let shuttingDown = null;
const sup = new Supervisor({
  log: say,
  onFatal: (_name, code) => {
    exitCode = code;
    void shutdown('configuration error');
  },
});
const timeoutMs = (Number(config.general.shutdown_timeout_seconds) + 5) * 1000;
const start = (s) =>
  sup.start(s, join(root, 'services', s, 'dist/main.js'), ['--config', configFile], { ...baseEnv, ...serviceEnv[s] });

async function shutdown(why) {
  if (shuttingDown) return shuttingDown;
  shuttingDown = (async () => {
    say(`${why}: stopping ${services.join(', ')}`);
    await sup.stop(
      services.filter((s) => CAPTURES.includes(s)),
      timeoutMs,
    );
    await sup.stop(
      services.filter((s) => !CAPTURES.includes(s)),
      timeoutMs,
    );
    if (nats && nats.exitCode === null) {
      const exited = new Promise((r) => nats.once('exit', r));
      nats.kill('SIGTERM');
      const t = setTimeout(() => nats.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    say('stopped');
    process.exit(exitCode);
  })();
  return shuttingDown;
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP (terminal closed)'));
nats?.once('exit', (code) => {
  if (!shuttingDown) {
    say(`nats-server exited unexpectedly (status ${code})`);
    exitCode = 1;
    void shutdown('NATS stopped');
  }
});

if (services.includes('segmenter')) {
  start('segmenter');
  const port = Number(config.general.segmenter_metrics_port);
  const deadline = Date.now() + 30_000;
  while (!shuttingDown && Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(250);
  }
}
if (!shuttingDown) for (const s of services) if (s !== 'segmenter') start(s);
if (!shuttingDown) {
  const web = services.includes('web') ? ` · archive http://localhost:${config.general.web_port}/` : '';
  say(`running ${services.join(', ')} with ${configFile}${web} · Ctrl+C stops`);
  if (demo) {
    say(
      `no config.ini: running the demo, a line-up tone source "demo" recorded into ${resolve('recordings')} (a file a minute).`,
    );
    say(`the archive fills within a minute: http://localhost:${config.general.web_port}/`);
    say(
      'to record real sources: cp config.example.ini config.ini, edit it (soundcards, streams), then run script/server again',
    );
  }
}
