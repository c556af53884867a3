// nats-cluster.conf: valid, and a real three-node cluster started from it (ports and routes moved onto loopback on
// the command line) enforces nats.conf's users: the segmenter provisions at R3, captures take per-source leases
// under their own role only, the web may not touch leases.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { leaseKey, LeaseRoles, StreamNames } from '@isr/contract';
import { bindBus, connectBus, parseConfig, provisionBus, type NatsConnection } from '@isr/runtime';
import {
  NATS_USERS,
  natsPasswords,
  natsServerBinary,
  repoRoot,
  startNatsCluster,
  type NatsClusterHandle,
  type NatsUser,
  waitFor,
} from '@isr/testkit';
import pino from 'pino';

const CLUSTER_CONF = join(repoRoot, 'nats-cluster.conf');
const log = pino({ level: 'silent' });
const passwords = natsPasswords();
let cluster: NatsClusterHandle;
const open: NatsConnection[] = [];

before(async () => {
  cluster = await startNatsCluster({ configFile: CLUSTER_CONF, env: passwords });
});
after(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await cluster?.stop();
});

function configFor(user: NatsUser) {
  return parseConfig('[general]\nstream_replicas = 3\n', {
    service: user === 'ops' ? 'web' : user,
    file: 'test.ini',
    env: { NATS_URL: cluster.url, NATS_USER: user, NATS_PASSWORD: passwords[NATS_USERS[user]]! },
  });
}
async function connectAs(user: NatsUser): Promise<NatsConnection> {
  const nc = await connectBus(configFor(user), `test-${user}`, log);
  open.push(nc);
  return nc;
}

test('nats-server -t accepts nats-cluster.conf (which includes nats.conf) when every password is set', () => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ISR_NATS_')));
  const r = spawnSync(natsServerBinary(), ['-t', '-c', CLUSTER_CONF], {
    env: { ...base, ...passwords },
    encoding: 'utf8',
    cwd: '/',
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const missing = spawnSync(natsServerBinary(), ['-t', '-c', CLUSTER_CONF], { env: base, encoding: 'utf8' });
  assert.notEqual(missing.status, 0, 'refused without the passwords');
});

test("on a cluster started from it, nats.conf's users hold: R3 provisioning, leases per role", async () => {
  const seg = await provisionBus(await connectAs('segmenter'), configFor('segmenter'), log);
  assert.equal((await seg.jsm.streams.info(StreamNames.audio)).config.num_replicas, 3);

  for (const user of ['capture-alsa', 'capture-stream'] as const) {
    const bus = await bindBus(await connectAs(user), { timeoutMs: 5000 });
    const rev = await bus.kv.leases.create(leaseKey(LeaseRoles.capture, `src_${user}`), 'holder');
    assert.ok(rev > 0, `${user} takes a capture lease`);
    const renewed = await bus.kv.leases.update(leaseKey(LeaseRoles.capture, `src_${user}`), 'holder', rev);
    assert.ok(renewed > rev, `${user} renews it`);
    // KV reads are direct gets that any replica may answer: a follower can be a moment behind the leader
    await waitFor(
      `${user} reads it back`,
      async () => (await bus.kv.leases.get(leaseKey(LeaseRoles.capture, `src_${user}`)))?.revision === renewed,
      5000,
      50,
    );
    await assert.rejects(
      bus.kv.leases.create(leaseKey(LeaseRoles.segmenter, 'x'), 'holder'),
      /permissions violation|timeout/i,
      `${user} may not take a segmenter lease`,
    );
  }
  const web = await bindBus(await connectAs('web'), { timeoutMs: 5000 });
  await assert.rejects(
    web.kv.leases.create(leaseKey(LeaseRoles.capture, 'x'), 'holder'),
    /permissions violation|timeout/i,
    'web may not take a lease',
  );
});
