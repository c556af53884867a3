// docker-compose.cluster.yml, checked statically (no Docker engine here): valid compose-spec; three NATS nodes from
// nats-cluster.conf (which includes nats.conf); every ISR service reaches every node at R3; two of each capture,
// two analyzers, one web, two segmenters (the segmenter group); Prometheus scrapes every instance on its metrics port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@isr/testkit';
import { parse } from 'yaml';
import {
  composeSpecValidator,
  dockerStages,
  interpolate,
  requiredVariables,
  testSecrets,
  type ComposeService,
} from './compose-file.ts';

const FILE = join(repoRoot, 'docker-compose.cluster.yml');
const text = readFileSync(FILE, 'utf8');
const secrets = testSecrets(FILE);
const compose = parse(interpolate(text, secrets), { merge: true }) as {
  services: Record<string, ComposeService & { build?: { target?: string } }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const NODES = ['nats-1', 'nats-2', 'nats-3'];
const ISR = Object.entries(services).filter(([, s]) => s.build?.target);

test('docker-compose.cluster.yml validates against the compose-spec JSON schema (offline)', () => {
  const { validate } = composeSpecValidator();
  // x-* anchors are extensions the schema allows at the top level
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
});

test('three NATS nodes from nats-cluster.conf, each with its own name, store and monitoring port', () => {
  const names = new Set<string>();
  for (const n of NODES) {
    const s = services[n];
    assert.ok(s, `service ${n}`);
    const cmd = s.command as string[];
    assert.deepEqual(cmd.slice(0, 3), ['nats-server', '-c', '/etc/nats/nats-cluster.conf']);
    names.add(cmd[cmd.indexOf('-n') + 1]!);
    assert.ok(
      s.volumes?.includes('./nats.conf:/etc/nats/nats.conf:ro'),
      `${n} mounts nats.conf (included by nats-cluster.conf)`,
    );
    assert.ok(s.volumes?.includes('./nats-cluster.conf:/etc/nats/nats-cluster.conf:ro'));
    assert.ok(
      s.volumes?.some((v) => v === `${n}-data:/data/jetstream`),
      `${n} has its own store`,
    );
    for (const p of ['ISR_NATS_CAPTURE_STREAM_PASSWORD', 'ISR_NATS_SEGMENTER_PASSWORD', 'ISR_NATS_OPS_PASSWORD'])
      assert.ok(s.environment?.[p], `${n} gets ${p}`);
  }
  assert.deepEqual([...names].sort(), NODES, 'unique server names');
  const conf = readFileSync(join(repoRoot, 'nats-cluster.conf'), 'utf8');
  assert.match(conf, /^include \.\/nats\.conf$/m, 'the cluster shares nats.conf (users and permissions)');
  for (const n of NODES) assert.match(conf, new RegExp(`nats-route://${n}:6222`), `a route to ${n}`);
});

test('ISR services: every node in NATS_URL, R3, two of each capture, analyzer and segmenter, one web', () => {
  const count = (target: string) => ISR.filter(([, s]) => s.build!.target === target).length;
  assert.equal(count('capture-stream'), 2);
  assert.equal(count('capture-alsa'), 2);
  assert.equal(count('analyzer'), 2);
  assert.equal(count('segmenter'), 2, 'two segmenters: the segmenter group');
  assert.equal(count('web'), 1);
  const stages = new Set(dockerStages().map((s) => s.name));
  for (const [name, s] of ISR) {
    assert.ok(stages.has(s.build!.target!), `${name}: Dockerfile stage ${s.build!.target}`);
    assert.deepEqual(
      s.environment?.NATS_URL?.split(','),
      NODES.map((n) => `nats://${n}:4222`),
      `${name} knows every node`,
    );
    assert.equal(s.environment?.ISR_STREAM_REPLICAS, '3', `${name}: stream_replicas 3`);
    for (const n of NODES) assert.equal(s.depends_on?.[n]?.condition, 'service_healthy', `${name} waits for ${n}`);
    assert.ok(s.environment?.NATS_USER && s.environment.NATS_PASSWORD, `${name} has its NATS user`);
  }
});

test('Prometheus scrapes every ISR instance on its metrics port and every NATS node', () => {
  const prom = parse(readFileSync(join(repoRoot, 'prometheus', 'prometheus-cluster.yml'), 'utf8')) as {
    scrape_configs: { static_configs: { targets: string[] }[] }[];
  };
  const targets = new Set(prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets)));
  for (const [name, s] of ISR) {
    const port = s.environment?.METRICS_PORT ?? s.environment?.PORT;
    assert.ok(targets.has(`${name}:${port}`), `${name}:${port} is scraped`);
  }
  for (let i = 1; i <= 3; i++) assert.ok(targets.has(`nats-exporter-${i}:7777`), `NATS node ${i} through its exporter`);
  assert.ok(services.prometheus?.command?.includes('--config.file=/etc/prometheus/prometheus-cluster.yml'));
  const check = spawnSync('promtool', ['check', 'config', join(repoRoot, 'prometheus', 'prometheus-cluster.yml')], {
    encoding: 'utf8',
  });
  assert.equal(check.status, 0, `promtool check config: ${check.stdout}${check.stderr}`);
});

test('no fallback secrets and every container locked down, as in docker-compose.yml', () => {
  const natsVars = new Set(
    [...readFileSync(join(repoRoot, 'nats.conf'), 'utf8').matchAll(/\$(ISR_NATS_\w+_PASSWORD)/g)].map((m) => m[1]!),
  );
  assert.deepEqual([...requiredVariables(FILE).keys()].sort(), [...natsVars].sort());
  assert.doesNotMatch(text, /(PASSWORD|TOKEN):-[^}]|change-me/);
  const { ISR_NATS_ANALYZER_PASSWORD: _, ...without } = secrets;
  assert.throws(() => interpolate(text, without), /ISR_NATS_ANALYZER_PASSWORD is not set - run script\/secrets/);
  for (const [name, s] of Object.entries(services) as [string, Record<string, unknown>][]) {
    assert.equal(s.read_only, true, `${name}: read_only`);
    assert.deepEqual(s.cap_drop, ['ALL'], `${name}: cap_drop ALL`);
    assert.deepEqual(s.security_opt, ['no-new-privileges:true'], `${name}: no-new-privileges`);
    if (name === 'nats-volumes') continue;
    assert.equal(s.cap_add, undefined, `${name}: no capability added back`);
    assert.ok(
      (s.tmpfs as string[] | undefined)?.some((t) => t.startsWith('/tmp:')),
      `${name}: tmpfs /tmp`,
    );
    assert.match(String(s.mem_limit), /^\d+[mg]$/, `${name}: mem_limit`);
    assert.ok(Number(s.pids_limit) >= 64, `${name}: pids_limit`);
  }
  for (const n of NODES) {
    const node = services[n] as Record<string, unknown>;
    assert.equal(node.user, '4222:4222', `${n} runs as a non-root user`);
    assert.deepEqual((node.depends_on as Record<string, unknown>)['nats-volumes'], {
      condition: 'service_completed_successfully',
    });
    assert.ok(
      ((services['nats-volumes'] as Record<string, unknown>).volumes as string[]).includes(`${n}-data:/data/${n}`),
      `${n}'s store is chowned`,
    );
  }
  assert.deepEqual(services.web?.ports, ['127.0.0.1:8080:8080'], 'web on loopback by default');
  for (const [name, s] of Object.entries(services) as [string, Record<string, unknown>][]) {
    const capture = (s.build as { target?: string } | undefined)?.target === 'capture-stream';
    assert.equal(Boolean(s.secrets), capture, `${name}: the stream credentials reach capture-stream alone`);
    assert.equal(Boolean((s.environment as Record<string, string> | undefined)?.ISR_SECRETS_FILE), capture, name);
  }
});
