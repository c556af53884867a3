// node --conditions=development bench/nats-consumers.ts: what nats-server itself spends to hand the segmenter its
// chunks — the part of the segmenter benchmark's ceiling that is not the segmenter. A fixed rate of 19,200-byte
// chunks (100 ms of 48 kHz stereo s16le) spread over N subjects, each read by a durable pull consumer filtered to
// its subject as the segmenter's per-source consumers are, acked per chunk (explicit) or once per 10 (cumulative,
// as the segmenter's commits do); file and memory storage. Prints nats-server's CPU (from /proc) per row and,
// as the baseline, the same chunks stored with no consumer.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '@isr/testkit';

const RATE = Number(process.env.ISR_BENCH_RATE ?? 1000);
const SECONDS = 10;
const chunk = new Uint8Array(19_200);

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function natsCores(consumers: number, ack: 'explicit' | 'cumulative', storage: StorageType): Promise<number> {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench.*'], max_age: 60e9, storage });
    const readers: Promise<void>[] = [];
    const stops: (() => void)[] = [];
    for (let i = 0; i < consumers; i++) {
      await jsm.consumers.add('BENCH', {
        durable_name: `c${i}`,
        filter_subject: `bench.${i}`,
        ack_policy: ack === 'explicit' ? AckPolicy.Explicit : AckPolicy.All,
        max_ack_pending: 50_000,
      });
      const messages = await (await js.consumers.get('BENCH', `c${i}`)).consume({ max_messages: 512 });
      stops.push(() => void messages.stop());
      readers.push(
        (async () => {
          let k = 0;
          for await (const m of messages) if (ack === 'explicit' || ++k % 10 === 0) m.ack();
        })(),
      );
    }
    const pid = nats.process.pid!;
    const t0 = Date.now();
    let sent = 0;
    let cpu0 = 0;
    let measuredFrom = 0;
    for (let tick = 0; Date.now() - t0 < SECONDS * 1000; tick++) {
      if (tick === 20) [cpu0, measuredFrom] = [cpuSecondsOf(pid), Date.now()]; // after 2 s of warm-up
      const wait = t0 + tick * 100 - Date.now();
      if (wait > 0) await sleep(wait);
      for (let j = 0; j < RATE / 10; j++) nc.publish(`bench.${(sent + j) % Math.max(1, consumers)}`, chunk);
      sent += RATE / 10;
      await nc.flush();
    }
    const cores = (cpuSecondsOf(pid) - cpu0) / ((Date.now() - measuredFrom) / 1000);
    stops.forEach((s) => s());
    await Promise.allSettled(readers);
    return cores;
  } finally {
    await nc.close();
    await nats.stop();
  }
}

const rows: string[] = [];
const stored = await natsCores(0, 'explicit', StorageType.File);
rows.push(`stored only, no consumer (baseline): nats-server ${stored.toFixed(2)} cores`);
console.log(rows.at(-1));
for (const storage of [StorageType.File, StorageType.Memory])
  for (const n of [1, 30, 300])
    for (const ack of ['explicit', 'cumulative'] as const) {
      if (storage === StorageType.Memory && ack === 'explicit') continue;
      const cores = await natsCores(n, ack, storage);
      rows.push(
        `${storage} storage, ${String(n).padStart(3)} consumers, ack ${ack.padEnd(10)}: nats-server ${cores.toFixed(2)} cores = ${(cores / stored).toFixed(1)} × stored only`,
      );
      console.log(rows.at(-1));
    }
console.log(`\nnats-server at ${RATE} chunks/s of 19,200 bytes:\n${rows.join('\n')}`);
