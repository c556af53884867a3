// docker-compose.yml, Dockerfile and asound.conf, checked statically (no Docker engine here): the compose
// file is valid compose-spec, and every command, variable and path in it points at something that exists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { allKeys } from '@isr/runtime';
import { repoRoot, tempDir } from '@isr/testkit';
import { parse as parseYaml } from 'yaml';
import {
  composeSpecValidator,
  dockerStages,
  interpolate,
  loadCompose,
  parseCompose,
  requiredVariables,
  stageChain,
  testSecrets,
  type ComposeService,
} from './compose-file.ts';

const ISR_SERVICES = ['capture-stream', 'capture-alsa', 'segmenter', 'analyzer', 'web'] as const;
const METRICS_KEY: Record<string, string> = {
  'capture-stream': 'capture_stream_metrics_port',
  'capture-alsa': 'capture_alsa_metrics_port',
  segmenter: 'segmenter_metrics_port',
  analyzer: 'analyzer_metrics_port',
  web: 'web_port',
};
const secrets = testSecrets();
const compose = loadCompose(secrets);
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has a service ${name}`);
  return s;
};
const stages = dockerStages();
const defaultOf = (key: string) => allKeys.find((k) => k.key === key)?.default;

/** Environment variables the code reads: the config module (load.ts) and the key table's env overrides. */
function envVarsReadByCode(): Set<string> {
  const load = readFileSync(join(repoRoot, 'packages/runtime/src/config/load.ts'), 'utf8');
  const names = new Set([...load.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
  for (const k of allKeys) if (k.env) names.add(k.env);
  names.add('TZ'); // read by Node itself (local time zone)
  return names;
}

function volumesOf(s: ComposeService): { source: string; target: string; mode: string }[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target, mode = 'rw'] = v.split(':');
    return { source: source!, target: target!, mode };
  });
}

test('docker-compose.yml validates against the compose-spec JSON schema (offline)', () => {
  const { validate, draft } = composeSpecValidator();
  assert.match(draft, /draft\/2019-09/, 'the package ships a draft 2019-09 schema (Ajv2019)');
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  assert.equal((compose as Record<string, unknown>).version, undefined, 'no obsolete version: key');
  // the validator must be able to fail: a wrong type for restart is refused
  assert.equal(validate({ services: { x: { image: 'x', restart: 5 } } }), false);
  // and the interpolation defaults keep the file valid when .env sets the variables
  assert.ok(
    validate(
      loadCompose({ ...secrets, ISR_WEB_RECORDINGS: 'rw', ISR_NATS_WEB_PASSWORD: 's3cret', ISR_WEB_BIND: '0.0.0.0' }),
    ),
  );
});

test('every ISR service: its Dockerfile target runs its built entry point, non-root, under tini', () => {
  const base = stages.find((s) => s.name === 'runtime');
  assert.ok(base, 'Dockerfile has a runtime stage');
  assert.match(base.from, /^node:(2[2-9]|[3-9]\d)-bookworm-slim$/, 'runtime from node:<LTS>-bookworm-slim');
  assert.ok(
    base.lines.some((l) => /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/.test(l)),
    'tini is the entrypoint',
  );
  const build = stages.find((s) => s.name === 'build')!;
  assert.ok(
    build.lines.some((l) => /npm ci\b(?!.*omit)/.test(l)) && build.lines.some((l) => /npm ci --omit=dev/.test(l)),
    'npm ci, then npm ci --omit=dev',
  );
  const workspaces = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  for (const ws of workspaces)
    assert.ok(
      build.lines.some((l) => l === `COPY ${ws}/package.json ${ws}/`),
      `Dockerfile copies ${ws}/package.json before npm ci`,
    );

  for (const name of ISR_SERVICES) {
    const s = svc(name);
    assert.equal(s.build?.target, name, `${name} builds the Dockerfile target ${name}`);
    const chain = stageChain(stages, name);
    assert.ok(chain.length >= 2 && chain[0]!.name === 'runtime', `target ${name} derives from runtime`);
    const own = chain.at(-1)!.lines;
    const cmd = own.find((l) => l.startsWith('CMD'));
    assert.ok(cmd, `${name} has a CMD`);
    const argv = JSON.parse(cmd.slice(3).trim()) as string[]; // exec form: a JSON array, or this throws
    assert.deepEqual(argv, ['node', `services/${name}/dist/main.js`]);
    assert.ok(
      existsSync(join(repoRoot, 'services', name, 'src', 'main.ts')),
      `services/${name}/src/main.ts exists (the entry point dist/main.js is built from)`,
    );
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'services', name, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    assert.deepEqual(Object.values(pkg.bin ?? {}), ['./dist/main.js'], `${name}'s package bin is the same entry point`);
    const lastUser = chain
      .flatMap((st) => st.lines)
      .filter((l) => l.startsWith('USER'))
      .at(-1);
    assert.equal(lastUser, 'USER node', `${name} runs as the non-root user node`);
    assert.equal(s.restart, 'unless-stopped');
    assert.equal(s.stop_grace_period, '30s');
  }
  const aptOf = (name: string) =>
    stageChain(stages, name)
      .flatMap((s) => s.lines)
      .filter((l) => l.includes('apt-get install'))
      .join(' ');
  assert.match(aptOf('capture-alsa'), /alsa-utils/);
  assert.match(aptOf('analyzer'), /ffmpeg/, 'the analyzer decodes with ffmpeg (analyzer_ffmpeg)');
  // flac-bindings' addon links libFLAC: every service that depends on it (segmenter: encoding; analyzer: decoding).
  const withFlacBindings = ISR_SERVICES.filter(
    (name) =>
      (
        JSON.parse(readFileSync(join(repoRoot, 'services', name, 'package.json'), 'utf8')) as {
          dependencies?: Record<string, string>;
        }
      ).dependencies?.['flac-bindings'],
  );
  assert.deepEqual([...withFlacBindings].sort(), ['analyzer', 'segmenter']);
  for (const name of withFlacBindings)
    assert.match(aptOf(name), /libflac12/, `${name}: flac-bindings needs libFLAC at run time`);
  assert.doesNotMatch(
    aptOf('web') + aptOf('capture-stream'),
    /alsa-utils|ffmpeg|build-essential|libflac-dev/,
    'only what each service needs',
  );
  // every external program a service runs is installed in its image
  const PACKAGE_OF: Record<string, string> = {
    flac: 'flac',
    ffmpeg: 'ffmpeg',
    ffprobe: 'ffmpeg',
    arecord: 'alsa-utils',
    sox: 'sox',
  };
  const KEY_BINARIES: Record<string, string[]> = {
    'capture-alsa': ['arecord_path'],
    analyzer: ['analyzer_ffmpeg', 'analyzer_ffprobe'],
  };
  for (const name of ISR_SERVICES) {
    const srcDir = join(repoRoot, 'services', name, 'src');
    const used = new Set<string>((KEY_BINARIES[name] ?? []).map((k) => String(defaultOf(k))));
    for (const f of readdirSync(srcDir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(srcDir, f), 'utf8');
      if (!/\b(spawn|execFile|spawnSync|execFileSync)\(/.test(text)) continue;
      // spawn('flac', …) or a default such as `flacBin = 'flac'` / `{ ffmpeg: 'ffmpeg' }`-style binary settings
      for (const bin of Object.keys(PACKAGE_OF)) {
        if (
          new RegExp(
            `\\b(spawn|execFile)(Sync)?\\(\\s*['"]${bin}['"]|\\w*(Bin|bin|Path|Cmd|cmd)\\s*[=:]\\s*['"]${bin}['"]`,
          ).test(text)
        )
          used.add(bin);
      }
    }
    for (const bin of used)
      assert.match(
        aptOf(name),
        new RegExp(`\\b${PACKAGE_OF[bin]}\\b`),
        `${name} runs ${bin}: its image installs ${PACKAGE_OF[bin]}`,
      );
  }
});

test('every environment variable a service gets is one the code reads; ports agree with health checks', () => {
  const known = envVarsReadByCode();
  for (const name of ISR_SERVICES) {
    const s = svc(name);
    for (const v of Object.keys(s.environment ?? {}))
      assert.ok(known.has(v), `${name}: environment ${v} is not read by the code (known: ${[...known].join(', ')})`);
    const env = s.environment ?? {};
    assert.equal(env.NATS_URL, 'nats://nats:4222');
    const port = name === 'web' ? env.PORT : env.METRICS_PORT;
    assert.equal(port, String(defaultOf(METRICS_KEY[name]!)), `${name} uses its documented default port`);
    const health = s.healthcheck?.test.join(' ') ?? '';
    assert.ok(health.includes(`http://127.0.0.1:${port}/healthz`), `${name} health check asks /healthz on ${port}`);
    if (name === 'web')
      assert.deepEqual(s.ports, [`127.0.0.1:${port}:${port}`], 'web publishes 8080 on loopback only by default');
    else assert.ok(s.expose?.includes(String(port)));
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.equal(condition, 'service_healthy');
      assert.ok(compose.services[dep]?.healthcheck, `${name} waits for ${dep}, which has a health check`);
    }
  }
});

test('mounted paths are where the code looks: config.ini, recordings, asound.conf, nats.conf', () => {
  const workdir = stageChain(stages, 'segmenter')
    .flatMap((s) => s.lines)
    .filter((l) => l.startsWith('WORKDIR'))
    .at(-1)
    ?.split(/\s+/)[1];
  assert.ok(workdir);
  const configTarget = posix.join(workdir, 'config.ini'); // configPath(): ./config.ini in the working directory
  const recordingsTarget = posix.join(workdir, String(defaultOf('output_directory'))); // output_directory resolves against it
  for (const name of ISR_SERVICES) {
    const vols = volumesOf(svc(name));
    const cfg = vols.find((v) => v.target === configTarget);
    assert.ok(
      cfg && cfg.source === './config.ini' && cfg.mode === 'ro',
      `${name} mounts ./config.ini read-only at ${configTarget}`,
    );
    for (const v of vols) {
      if (v.source.startsWith('./') && v.source !== './config.ini' && v.source !== './recordings')
        assert.ok(existsSync(join(repoRoot, v.source)), `${name}: ${v.source} exists`);
    }
  }
  assert.ok(existsSync(join(repoRoot, 'config.example.ini')), 'config.ini is made from config.example.ini');
  const rec = (name: string) => volumesOf(svc(name)).find((v) => v.source === './recordings');
  assert.deepEqual(rec('segmenter'), { source: './recordings', target: recordingsTarget, mode: 'rw' });
  assert.equal(rec('web')?.target, recordingsTarget);
  assert.equal(rec('web')?.mode, 'ro', 'web reads recordings read-only by default');
  assert.equal(
    loadCompose({ ...secrets, ISR_WEB_RECORDINGS: 'rw' })
      .services.web?.volumes?.find((v) => v.startsWith('./recordings'))
      ?.split(':')[2],
    'rw',
  );
  assert.equal(rec('analyzer')?.target, recordingsTarget);

  const alsa = svc('capture-alsa');
  assert.ok(alsa.devices?.includes('/dev/snd:/dev/snd'));
  assert.equal(alsa.ipc, 'host');
  assert.ok(alsa.group_add?.includes('audio'));
  assert.ok(volumesOf(alsa).some((v) => v.source === './asound.conf' && v.target === '/etc/asound.conf'));

  const nats = svc('nats');
  const [, tag] = /^nats:(\d+\.\d+)/.exec(nats.image ?? '') ?? [];
  assert.ok(
    tag && Number(tag.split('.')[0]) * 100 + Number(tag.split('.')[1]) >= 210,
    `nats image ≥ 2.10 (${nats.image})`,
  );
  const confTarget = volumesOf(nats).find((v) => v.source === './nats.conf')?.target;
  const cmd = nats.command as string[];
  assert.equal(cmd[cmd.indexOf('-c') + 1], confTarget, 'nats-server runs the mounted nats.conf');
  const store = volumesOf(nats).find((v) => v.source === 'nats-data')?.target;
  assert.equal(cmd[cmd.indexOf('-sd') + 1], store, 'JetStream store on the named volume');
  assert.ok(compose.volumes && 'nats-data' in compose.volumes);
  assert.equal(
    nats.ports?.some((p) => p.endsWith(':4222')),
    false,
    'the client port is not published',
  );
  assert.ok(
    nats.ports?.some((p) => p.endsWith(':8222')),
    'monitoring port 8222',
  );
});

test("each service connects as its own nats.conf user with that user's password variable", () => {
  const conf = readFileSync(join(repoRoot, 'nats.conf'), 'utf8');
  const users = new Map([...conf.matchAll(/user:\s*([\w-]+)\s*\n\s*password:\s*\$(\w+)/g)].map((m) => [m[1]!, m[2]!]));
  const raw = parseCompose();
  const natsEnv = raw.services.nats!.environment ?? {};
  for (const name of [...ISR_SERVICES, 'nats-box']) {
    const env = raw.services[name]!.environment ?? {};
    const user = env.NATS_USER!;
    const passVar = users.get(user);
    assert.ok(passVar, `${name}: nats.conf has a user ${user}`);
    assert.match(
      env.NATS_PASSWORD ?? '',
      new RegExp(`^\\$\\{${passVar}[:}]`),
      `${name}'s NATS_PASSWORD comes from ${passVar}`,
    );
    assert.equal(env.NATS_PASSWORD, natsEnv[passVar], `${name} and nats read ${passVar} the same way`);
    assert.equal(interpolate(env.NATS_PASSWORD!, { [passVar]: 'from-env' }), 'from-env');
    // No fallback password: without the variable `docker compose up` stops with a message naming it.
    assert.throws(
      () => interpolate(env.NATS_PASSWORD!, {}),
      new RegExp(`${passVar}.*${passVar} is not set - run script/secrets`),
    );
    assert.throws(
      () => interpolate(env.NATS_PASSWORD!, { [passVar]: '' }),
      new RegExp(passVar),
      'an empty value is missing too',
    );
  }
  assert.equal(new Set(Object.values(Object.fromEntries(users))).size, users.size, 'one password variable per user');
  for (const v of users.values()) assert.ok(v in natsEnv, `nats gets ${v}`);
});

test('profiles: monitoring scrapes every service and NATS; tools has nats-box', () => {
  const prom = svc('prometheus');
  assert.deepEqual(prom.profiles, ['monitoring']);
  assert.ok(volumesOf(prom).some((v) => v.source === './prometheus' && v.target === '/etc/prometheus'));
  const cfg = parseYaml(readFileSync(join(repoRoot, 'prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const targets = new Set(cfg.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)));
  for (const name of ISR_SERVICES) {
    const env = svc(name).environment ?? {};
    assert.ok(targets.has(`${name}:${env.PORT ?? env.METRICS_PORT}`), `prometheus scrapes ${name}`);
  }
  assert.ok(
    targets.has('nats-exporter:7777') && svc('nats-exporter').command?.includes('http://nats:8222'),
    'NATS through its exporter',
  );
  assert.ok(
    targets.has('node-exporter:9100') &&
      volumesOf(svc('node-exporter')).some((v) => v.source === './recordings' && v.target === '/recordings'),
    'disk space of ./recordings',
  );
  const box = svc('nats-box');
  assert.deepEqual(box.profiles, ['tools']);
  assert.equal(box.environment?.NATS_URL, 'nats://nats:4222');
});

test('asound.conf defines the dsnoop device shared_mic over hw:0,0 that arecord lists', async () => {
  const text = readFileSync(join(repoRoot, 'asound.conf'), 'utf8');
  assert.match(text, /pcm\.shared_mic\s*\{[^}]*type dsnoop/);
  assert.match(text, /ipc_key \d+/);
  assert.match(text, /ipc_perm 0666/);
  assert.match(text, /pcm "hw:0,0"/);
  assert.match(text, /rate 48000/);
  assert.match(text, /darkice/);
  assert.match(text, /ipc: host/);
  const dir = await tempDir('isr-alsa-');
  try {
    const conf = join(dir.path, 'alsa.conf');
    writeFileSync(conf, `</usr/share/alsa/alsa.conf>\n<${join(repoRoot, 'asound.conf')}>\n`);
    const r = spawnSync('arecord', ['-L'], { env: { ...process.env, ALSA_CONFIG_PATH: conf }, encoding: 'utf8' });
    assert.match(r.stdout, /^shared_mic$/m, `arecord -L parses asound.conf:\n${r.stdout}${r.stderr}`);
  } finally {
    await dir.remove();
  }
});

test('no fallback secrets: every password is required, and a missing one stops the file with its name', () => {
  const required = requiredVariables();
  const conf = readFileSync(join(repoRoot, 'nats.conf'), 'utf8');
  const natsVars = new Set([...conf.matchAll(/\$(ISR_NATS_\w+_PASSWORD)/g)].map((m) => m[1]!));
  assert.deepEqual([...required.keys()].sort(), [...natsVars].sort(), 'exactly the nats.conf passwords are required');
  const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
  assert.doesNotMatch(
    text,
    /(PASSWORD|TOKEN):-[^}]|change-me/,
    'no password has a default (an empty one only disables DELETE)',
  );
  for (const v of required.keys()) {
    const { [v]: _, ...without } = secrets;
    assert.throws(
      () => loadCompose(without),
      new RegExp(`required variable ${v} is missing: ${v} is not set`),
      `without ${v}`,
    );
  }
  const ignored = readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n');
  assert.ok(ignored.includes('.env') || ignored.includes('/.env'), '.env is not committed');
});

test('every container is locked down: read-only root with a tmpfs, no capabilities, no-new-privileges, memory and pids limits', () => {
  const raw = parseYaml(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const toBytes = (v: unknown) => {
    const m = /^(\d+)([kmg])$/.exec(String(v));
    assert.ok(m, `a size such as 384m: ${String(v)}`);
    return Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2]!);
  };
  for (const [name, s] of Object.entries(raw.services)) {
    assert.equal(s.read_only, true, `${name}: read_only`);
    assert.deepEqual(s.cap_drop, ['ALL'], `${name}: cap_drop ALL`);
    assert.deepEqual(s.security_opt, ['no-new-privileges:true'], `${name}: no-new-privileges`);
    if (name === 'nats-volume') {
      assert.deepEqual(s.cap_add, ['CHOWN'], 'the volume init only chowns');
      continue;
    }
    assert.equal(s.cap_add, undefined, `${name}: no capability added back`);
    assert.ok(
      (s.tmpfs as string[] | undefined)?.some((t) => t.startsWith('/tmp:')),
      `${name}: a tmpfs /tmp (the root is read-only)`,
    );
    assert.ok(Number(s.pids_limit) >= 64 && Number(s.pids_limit) <= 1024, `${name}: pids_limit`);
    // The 60-minute soak measured 86–122 MB resident per ISR service: at least 3× headroom.
    const mem = toBytes(s.mem_limit);
    if ((ISR_SERVICES as readonly string[]).includes(name))
      assert.ok(
        mem >= 3 * 122 * 1024 ** 2,
        `${name}: mem_limit ${String(s.mem_limit)} leaves headroom over the soak's RSS`,
      );
    else assert.ok(mem >= 64 * 1024 ** 2, `${name}: mem_limit`);
  }
  const nats = raw.services.nats!;
  assert.match(String(nats.user), /^[1-9]\d*:[1-9]\d*$/, 'NATS runs as a non-root uid:gid');
  const init = raw.services['nats-volume']!;
  assert.deepEqual(
    init.entrypoint,
    ['chown', '-R', String(nats.user), '/data/jetstream'],
    'the store volume is given to that user',
  );
  assert.deepEqual((nats.depends_on as Record<string, { condition: string }>)['nats-volume'], {
    condition: 'service_completed_successfully',
  });
  assert.ok((init.volumes as string[]).includes('nats-data:/data/jetstream'));
  // The analyzer decodes through FIFOs in the temp directory (decode-ffmpeg.ts): its tmpfs must hold them.
  assert.match(
    readFileSync(join(repoRoot, 'services/analyzer/src/decode-ffmpeg.ts'), 'utf8'),
    /mkdtemp\(join\(tmpdir\(\)/,
  );
});

test('stream credentials (config.secrets.ini) reach capture-stream alone', () => {
  const raw = parseYaml(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
    secrets?: Record<string, { file?: string }>;
  };
  assert.equal(raw.secrets?.['isr-stream-secrets']?.file, './config.secrets.ini');
  for (const [name, s] of Object.entries(raw.services)) {
    const env = (s.environment ?? {}) as Record<string, string>;
    const secrets = (s.secrets ?? []) as { source: string; target: string }[];
    if (name === 'capture-stream') {
      assert.deepEqual(secrets, [{ source: 'isr-stream-secrets', target: 'isr-stream-secrets.ini' }]);
      assert.equal(env.ISR_SECRETS_FILE, '/run/secrets/isr-stream-secrets.ini', 'where compose puts the secret');
    } else {
      assert.deepEqual(secrets, [], `${name} gets no secret file`);
      assert.equal(env.ISR_SECRETS_FILE, undefined, name);
      assert.ok(!((s.volumes ?? []) as string[]).some((v) => v.includes('secrets')), `${name} mounts no secrets`);
    }
  }
  assert.ok(readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n').includes('/config.secrets.ini'));
});
