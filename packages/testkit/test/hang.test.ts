import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hang, resume, startNatsServer, threadStates, type NatsServerHandle } from '@isr/testkit';

let server: NatsServerHandle;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});
after(async () => {
  resume(server);
  await nc?.close();
  await server?.stop();
});

/** Whether the server answers a PING (a flush) within `ms`. */
const answers = (ms: number) => Promise.race([nc.flush().then(() => true), sleep(ms, false)]);

test('hang stops every thread of a nats-server, which answers nothing until resumed', async () => {
  const pid = server.process.pid!;
  assert.ok(threadStates(pid).length > 1, 'nats-server runs several threads');
  assert.ok(
    threadStates(pid).some((s) => s !== 'T'),
    'running before',
  );
  await hang(server);
  assert.deepEqual([...new Set(threadStates(pid))], ['T'], 'every thread stopped when hang resolves');
  assert.equal(await answers(300), false, 'a hung server answers no PING');
  resume(server);
  assert.equal(await answers(5000), true, 'answered again once resumed');
  assert.ok(
    threadStates(pid).some((s) => s !== 'T'),
    'running again',
  );
});

test('hang refuses a process that does not exist', async () => {
  await assert.rejects(hang(2 ** 30), { code: 'ESRCH' });
});
