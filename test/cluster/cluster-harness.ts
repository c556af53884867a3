// Shared by the cluster tests: what ISR_AUDIO holds for a source, judged per capture session.
import {
  decodeAudioHeaders,
  LeaseHeader,
  parseJson,
  StreamNames,
  Subjects,
  type AudioChunkMeta,
  type SegmentOpenedEvent,
} from '@isr/contract';
import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface StoredChunk extends AudioChunkMeta {
  /** The Isr-Lease fencing token, when the capture published under a lease. */
  token: number | null;
  streamSeq: number;
}

/**
 * Every message of `stream` on `subject`, in stream order, mapped. How many there are is asked of the stream
 * first, so a fetch that comes back empty under load (a consumer still being created on the cluster) is tried
 * again instead of being taken for the end.
 */
async function readSubject<T>(url: string, stream: string, subject: string, map: (m: JsMsg) => T): Promise<T[]> {
  const nc = await connect({ servers: url.split(',') });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: subject });
    const expected = info.state.subjects?.[subject] ?? 0;
    const c = await jetstream(nc).consumers.get(stream, { filter_subjects: subject });
    const out: T[] = [];
    const deadline = Date.now() + 60_000;
    while (out.length < expected) {
      if (Date.now() > deadline)
        throw new Error(`read ${out.length} of the ${expected} messages of ${stream} on ${subject}`);
      for await (const m of await c.fetch({ max_messages: 500, expires: 2000 })) out.push(map(m));
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** Every chunk of `source` in ISR_AUDIO, in stream order. */
export function storedChunks(url: string, source: string): Promise<StoredChunk[]> {
  return readSubject(url, StreamNames.audio, Subjects.audio(source), (m) => {
    const meta = decodeAudioHeaders((h) => m.headers?.get(h) || undefined);
    const t = m.headers?.get(LeaseHeader);
    return { ...meta, token: t ? Number(t) : null, streamSeq: m.seq };
  });
}

export interface SessionSummary {
  session: string;
  startMs: number;
  /** Epoch ms just after the session's last sample. */
  endMs: number;
  chunks: number;
  /** Stream sequences of its first and last chunk in ISR_AUDIO. */
  firstStreamSeq: number;
  lastStreamSeq: number;
  tokens: number[];
  /** Seq 1…n without a hole or repeat, and each offset = previous offset + frames. */
  contiguous: boolean;
  problems: string[];
}

/** The chunks grouped by session (in order of first appearance), each checked for contiguity. */
export function sessionsOf(chunks: StoredChunk[]): SessionSummary[] {
  const by = new Map<string, StoredChunk[]>();
  for (const c of chunks) by.set(c.session, [...(by.get(c.session) ?? []), c]);
  return [...by.entries()].map(([session, cs]) => {
    const problems: string[] = [];
    cs.forEach((c, i) => {
      if (c.seq !== i + 1) problems.push(`chunk ${i} has seq ${c.seq}`);
      const prev = cs[i - 1];
      if (prev && c.offset !== prev.offset + prev.frames)
        problems.push(`seq ${c.seq}: offset ${c.offset}, expected ${prev.offset + prev.frames}`);
    });
    const last = cs.at(-1)!;
    return {
      session,
      startMs: cs[0]!.sessionStartMs,
      endMs: last.sessionStartMs + ((last.offset + last.frames) * 1000) / last.sampleRate,
      chunks: cs.length,
      firstStreamSeq: cs[0]!.streamSeq,
      lastStreamSeq: last.streamSeq,
      tokens: [...new Set(cs.map((c) => c.token ?? 0))],
      contiguous: problems.length === 0 && cs[0]!.offset === 0,
      problems: problems.slice(0, 5),
    };
  });
}

/** The events of ISR_EVENTS on `subject`, in stream order. */
export function eventsOn<T>(url: string, subject: string): Promise<T[]> {
  return readSubject(url, StreamNames.events, subject, (m) => parseJson<T>(m.data, subject));
}

/** The isr.segment.opened events of a source in ISR_EVENTS. */
export function openedEvents(url: string, source: string): Promise<SegmentOpenedEvent[]> {
  return eventsOn<SegmentOpenedEvent>(url, Subjects.segmentOpened(source));
}

/** Every stream has a leader and both other replicas current (after a node of the three came back). */
export async function streamsCurrent(jsm: JetStreamManager): Promise<boolean> {
  for await (const si of jsm.streams.list()) {
    if (
      !si.cluster?.leader ||
      (si.cluster.replicas?.length ?? 0) !== 2 ||
      !si.cluster.replicas!.every((r) => r.current && !r.offline)
    )
      return false;
  }
  return true;
}
