import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { leaseKey, LeaseRoles } from '@isr/contract';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectBus,
  heldByDeadProcess,
  LeasedRunner,
  leaseTimings,
  parseConfig,
  provisionBus,
  SourceLease,
  type Bus,
} from '@isr/runtime';
import { hang, resume, startNatsServer, waitFor, type NatsServerHandle } from '@isr/testkit';
import pino from 'pino';

const log = pino({ level: 'silent' });
let server: NatsServerHandle;
let bus: Bus;
// failover_seconds = 1: TTL 600 ms, renewal every 200 ms, a standby tries every 100 ms, valid for 480 ms
const timings = leaseTimings(1);

before(async () => {
  server = await startNatsServer();
  const config = parseConfig('[general]\nfailover_seconds = 1\n', {
    service: 'segmenter',
    file: 't.ini',
    env: { NATS_URL: server.url },
  });
  bus = await provisionBus(await connectBus(config, 'test', log), config);
});
after(async () => {
  await bus?.nc.close();
  await server?.stop();
});

test("the timings derive from failover_seconds and the bucket's max age is the TTL", async () => {
  assert.deepEqual(leaseTimings(10), { ttlMs: 6000, renewMs: 2000, pollMs: 1000, validMs: 4800 });
  assert.equal((await bus.jsm.streams.info('KV_isr_leases')).config.max_age, 600 * 1e6);
});

test("one holder at a time; a dead holder's lease expires and the standby takes it with a greater token", async () => {
  const key = leaseKey(LeaseRoles.capture, 'one');
  const events: string[] = [];
  const mk = (name: string) =>
    new SourceLease({
      kv: bus.kv.leases,
      key,
      timings,
      log,
      onAcquired: (t) => events.push(`${name}+${t}`),
      onLost: () => void events.push(`${name}-`),
    });
  const a = mk('a');
  a.start();
  await waitFor('a holds it', () => a.valid());
  const b = mk('b');
  b.start();
  await sleep(1500); // several renewals and standby tries
  assert.ok(a.valid() && !b.holding, 'a renews, b stands by');
  assert.deepEqual(events, [`a+${a.token}`]);
  const first = a.token!;
  // a "dies": it stops renewing without releasing (as after SIGKILL)
  (a as unknown as { stopped: boolean }).stopped = true;
  const diedAt = Date.now();
  await waitFor('b takes over', () => b.valid(), 3000, 10);
  const took = Date.now() - diedAt;
  assert.ok(took <= timings.ttlMs + timings.renewMs + timings.pollMs + 200, `b took ${took} ms`);
  assert.ok(b.token! > first, 'the fencing token grows');
  await b.release();
});

test('a lease is judged held by a dead process only on the same host and PID namespace', () => {
  const self = { host: 'h1', pidns: 'pid:[1]', pid: 100 };
  const v = { holder: 'old', host: 'h1', pidns: 'pid:[1]', pid: 55 };
  const dead = () => false;
  const alive = () => true;
  assert.equal(heldByDeadProcess(v, self, dead), true, 'pid 55 is gone');
  assert.equal(heldByDeadProcess(v, self, alive), false, 'pid 55 runs');
  assert.equal(
    heldByDeadProcess({ ...v, pid: 100 }, self, dead),
    false,
    'this process (another lease object of it) is alive',
  );
  assert.equal(heldByDeadProcess({ ...v, host: 'h2' }, self, dead), false, 'another host');
  assert.equal(heldByDeadProcess({ ...v, pidns: 'pid:[2]' }, self, dead), false, 'another container on this host');
  assert.equal(
    heldByDeadProcess({ holder: 'old', host: 'h1', pid: 55 }, self, dead),
    false,
    'a value without a namespace (an older version)',
  );
});

test('a lease left by a dead process of this host is taken at once, not after its TTL', async () => {
  const key = leaseKey(LeaseRoles.segmenter, 'restarted');
  const gone = spawnSync('true').pid!; // a pid that has just exited
  const stale = await bus.kv.leases.create(
    key,
    JSON.stringify({
      holder: 'crashed',
      host: hostname(),
      pid: gone,
      pidns: readlinkSync('/proc/self/ns/pid'),
      since: '',
      renewed: '',
    }),
  );
  const lines: string[] = [];
  const spy = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const a = new SourceLease({
    kv: bus.kv.leases,
    key,
    timings: leaseTimings(60),
    log: spy,
    onAcquired: () => {},
    onLost: () => {},
  });
  a.start();
  await waitFor('taken', () => a.valid(), 3000, 10); // the TTL of leaseTimings(60) is 36 s
  assert.ok(a.token! > stale);
  assert.ok(
    lines.some((l) => l.includes('a process of this host that is gone')),
    'and says why',
  );
  await a.release();
});

test("release hands over at the standby's next try, not after the TTL", async () => {
  const key = leaseKey(LeaseRoles.capture, 'two');
  const a = new SourceLease({ kv: bus.kv.leases, key, timings, log, onAcquired: () => {}, onLost: () => {} });
  a.start();
  await waitFor('a holds it', () => a.valid());
  const b = new SourceLease({ kv: bus.kv.leases, key, timings, log, onAcquired: () => {}, onLost: () => {} });
  b.start();
  await sleep(300);
  const t0 = Date.now();
  await a.release();
  await waitFor('b takes over', () => b.valid(), 3000, 5);
  assert.ok(Date.now() - t0 < timings.ttlMs, `handed over in ${Date.now() - t0} ms (< TTL ${timings.ttlMs} ms)`);
  await b.release();
});

test('cut off from NATS the holder stops being valid before the TTL, and keeps the lease when nobody took it', async () => {
  const key = leaseKey(LeaseRoles.capture, 'three');
  const lost: string[] = [];
  const a = new SourceLease({
    kv: bus.kv.leases,
    key,
    timings,
    log,
    onAcquired: () => {},
    onLost: (r) => void lost.push(r),
  });
  a.start();
  await waitFor('a holds it', () => a.valid());
  const token = a.token;
  // The server hangs for 1.5 s (longer than the TTL): no renewal is answered.
  await hang(server);
  const hungAt = Date.now();
  let invalidAfter = -1;
  while (Date.now() - hungAt < 1500) {
    if (invalidAfter < 0 && !a.valid()) invalidAfter = Date.now() - hungAt;
    await sleep(10);
  }
  resume(server);
  assert.ok(
    invalidAfter >= 0 && invalidAfter <= timings.validMs + 20,
    `the fence closed ${invalidAfter} ms into the outage (validMs ${timings.validMs}, TTL ${timings.ttlMs})`,
  );
  await waitFor('a valid again', () => a.valid(), 10_000, 20);
  assert.equal(a.token, token, 'the same lease: nobody else took it meanwhile');
  assert.deepEqual(lost, []);
  await a.release();
});

test('LeasedRunner: work runs only while the lease is held; the loser stops with lost = true', async () => {
  const key = leaseKey(LeaseRoles.capture, 'four');
  const log2: string[] = [];
  const runner = (name: string) =>
    new LeasedRunner({
      kv: bus.kv.leases,
      key,
      timings,
      log,
      start: (fence) => {
        log2.push(`${name} start ${fence.token}`);
        return { stop: async (lost) => void log2.push(`${name} stop lost=${lost}`) };
      },
    });
  const a = runner('a');
  a.start();
  await waitFor('a active', () => a.active);
  // another process overwrites the key (as a standby would after a's lease expired unseen): a must stop
  await bus.kv.leases.put(key, 'someone else');
  await waitFor('a stops', () => !a.active, 3000, 10);
  assert.deepEqual(
    log2.map((l) => l.replace(/\d+/, 'N')),
    ['a start N', 'a stop lost=true'],
  );
  await a.close();
  await bus.kv.leases.delete(key);
});
