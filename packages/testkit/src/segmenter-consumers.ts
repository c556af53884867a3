// The segmenter reads each source through a durable consumer of the source's owner, `segmenter_<source>_<token>`
// (services/segmenter/src/consumer.ts). Tests that wait for "everything written and acknowledged" ask these.

/** The part of a JetStreamManager these helpers use (structural, so the test kit needs no NATS dependency). */
export interface ConsumerView {
  streams: {
    info(stream: string, opts: { subjects_filter: string }): Promise<{ state: { subjects?: Record<string, number> } }>;
  };
  consumers: { list(stream: string): AsyncIterable<{ name: string; num_pending: number; num_ack_pending: number }> };
}

/**
 * The segmenter's consumer figures, summed over every source with chunks in ISR_AUDIO; rejects while a source
 * has no consumer yet, so a wait on "nothing pending" cannot pass before the segmenter has started on a source.
 */
export async function segmenterBacklog(jsm: ConsumerView): Promise<{ num_pending: number; num_ack_pending: number }> {
  const si = await jsm.streams.info('ISR_AUDIO', { subjects_filter: 'isr.audio.*' });
  const sources = Object.keys(si.state.subjects ?? {}).map((s) => s.split('.')[2]!);
  const consumers = [];
  for await (const ci of jsm.consumers.list('ISR_AUDIO')) consumers.push(ci);
  const out = { num_pending: 0, num_ack_pending: 0 };
  for (const source of sources) {
    const mine = consumers.filter((c) => c.name.startsWith(`segmenter_${source}_`));
    if (!mine.length) throw new Error(`no segmenter consumer for ${source} yet`);
    for (const c of mine) {
      out.num_pending += c.num_pending;
      out.num_ack_pending += c.num_ack_pending;
    }
  }
  return out;
}

/** Whether the segmenter has written and acknowledged every chunk in ISR_AUDIO (false while it cannot say). */
export async function segmenterDrained(jsm: ConsumerView): Promise<boolean> {
  const b = await segmenterBacklog(jsm).catch(() => null);
  return b !== null && b.num_pending === 0 && b.num_ack_pending === 0;
}

/**
 * The name of the consumer through which the segmenter reads a source now (null: none yet): the one with the
 * highest lease token, as a predecessor's may linger until the new owner has deleted it.
 */
export async function segmenterConsumerOf(jsm: ConsumerView, source: string): Promise<string | null> {
  let best: { name: string; token: number } | null = null;
  for await (const ci of jsm.consumers.list('ISR_AUDIO')) {
    if (!ci.name.startsWith(`segmenter_${source}_`)) continue;
    const token = Number(ci.name.slice(`segmenter_${source}_`.length));
    if (!best || token > best.token) best = { name: ci.name, token };
  }
  return best?.name ?? null;
}
