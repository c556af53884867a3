// Deliveries lost with a broken connection (a node died, or nats-server cut a slow consumer off): sent into the
// segmenter's socket, they never arrive, and nats-server sends them again only after ack_wait (30 s), behind
// later chunks. The segmenter, seeing a chunk past the hole, must read what is missing straight from ISR_AUDIO
// and write it in order — not record a gap and then drop the late redeliveries as duplicates.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Subjects } from '@isr/contract';
import { bindBus, connectBus, createLogger, createRegistry, parseConfig } from '@isr/runtime';
import { lossyProxy, waitFor } from '@isr/testkit';
import { startSegmenter } from '../src/service.ts';
import { pcmSignal, publishPcm, recordings, segmenterDrained, setup, wavSamples, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nmin_free_mb = 0\n`,
  );
});
after(async () => h.cleanup());

/** A segmenter in this process whose connection goes through `url` (the harness's publisher connects directly). */
async function segmenterVia(url: string) {
  const config = parseConfig(readFileSync(h.configFile, 'utf8'), {
    service: 'segmenter',
    file: h.configFile,
    env: { NATS_URL: url },
    cwd: h.dir,
  });
  const log = createLogger({ service: 'segmenter', level: 'error', pretty: false });
  const nc = await connectBus(config, 'segmenter-lossy', log);
  const bus = await bindBus(nc, { timeoutMs: 5000 });
  const registry = createRegistry('segmenter');
  const service = await startSegmenter({ config, log, registry, bus }, { commitIntervalMs: 100, idleGraceMs: 60_000 });
  let closing: Promise<void> | null = null;
  let reconnects = 0;
  void (async () => {
    for await (const st of nc.status()) if (st.type === 'reconnect') reconnects++;
  })();
  return {
    reconnects: () => reconnects,
    filled: async () =>
      (await registry.getSingleMetric('isr_segmenter_hole_chunks_filled_total')!.get()).values.reduce(
        (a, v) => a + v.value,
        0,
      ),
    close: () =>
      (closing ??= (async () => {
        await service.close();
        await nc.close();
      })()),
  };
}

test(
  'chunks whose deliveries were lost with the connection are read from the stream: no gap, every frame once, long before ack_wait',
  { timeout: 40_000 },
  async () => {
    const proxy = await lossyProxy(h.nats.port);
    const seg = await segmenterVia(proxy.url);
    try {
      const rate = 16000;
      const chunk = 1600; // 100 ms, 3,200 bytes: one pull (256 KiB) has room for all of them
      const pcm = pcmSignal(rate * 3, 1, 5);
      const s = {
        source: 'lossy',
        session: 'l1',
        sessionStartMs: Date.parse('2026-11-24T09:00:00.500Z'),
        sampleRate: rate,
        channels: 1,
      };
      const drained = () => segmenterDrained(h.bus.jsm);
      await publishPcm(h.bus, s, pcm, chunk, 0, 10 * chunk);
      await waitFor('the first second written and acknowledged', drained, 15_000, 50);

      proxy.hold();
      await publishPcm(h.bus, s, pcm, chunk, 10 * chunk, 15 * chunk);
      const deliveries = () => proxy.held().split(`HMSG ${Subjects.audio(s.source)} `).length - 1;
      await waitFor('nats-server delivered the next five chunks into the held connection', () => deliveries() === 5);
      proxy.cut(); // those deliveries are lost: ack-pending until ack_wait (30 s)
      await waitFor('the segmenter reconnected', () => seg.reconnects() === 1, 5000);

      // Published after the reconnect (into the old connection, they would be lost too): they arrive past the hole.
      await publishPcm(h.bus, s, pcm, chunk, 15 * chunk);
      // Within 10 s of the cut: the lost deliveries would come again only after ack_wait (30 s).
      await waitFor('everything written and acknowledged', drained, 10_000, 100);
      const filled = await seg.filled();
      await seg.close();

      const gaps = [...h.events.opened, ...h.events.closed].filter((e) => e.source === s.source).flatMap((e) => e.gaps);
      assert.deepEqual(gaps, [], 'no gap recorded');
      const files = recordings(`${h.dir}/rec`, s.source, 'wav');
      assert.ok(Buffer.concat(files.map(wavSamples)).equals(pcm), 'every frame once, in order, across the hole');
      assert.ok(filled >= 5, `the five lost chunks were read from the stream (${filled} counted)`);
    } finally {
      await seg.close().catch(() => undefined);
      await proxy.close();
    }
  },
);
