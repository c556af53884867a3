import { setTimeout as sleep } from 'node:timers/promises';
import {
  Buckets,
  decodeAudioHeaders,
  StreamNames,
  Subjects,
  type AudioChunkMeta,
  type SourceStatus,
} from '@isr/contract';
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A message of the tapped stream as it came. */
export interface TappedMessage {
  subject: string;
  data: Uint8Array;
}

/** An ISR_AUDIO message with its headers decoded. */
export interface TappedChunk {
  subject: string;
  meta: AudioChunkMeta;
  data: Buffer;
}

/**
 * Reads every message of a stream's subject filter from the start of the stream, in order, for assertions,
 * through an ordered consumer. It waits for the stream to exist (the services provision it) and survives a
 * server restart: when the consumer fails it reads the stream again from the start (what it holds is replaced).
 */
export class StreamTap {
  /** Every message so far, in stream order. */
  readonly raw: TappedMessage[] = [];
  /** On ISR_AUDIO: the chunks so far, headers decoded. */
  readonly chunks: TappedChunk[] = [];
  readonly #nc: NatsConnection;
  #statusKv: KV | null = null;
  #iter: ConsumerMessages | null = null;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();

  private constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  static async open(url: string, stream: string, filter: string): Promise<StreamTap> {
    const tap = new StreamTap(await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 }));
    tap.#loop = tap.#read(stream, filter);
    return tap;
  }

  async #read(stream: string, filter: string): Promise<void> {
    const js = jetstream(this.#nc);
    while (!this.#stopped) {
      try {
        const c = await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.All });
        this.#iter = await c.consume();
        for await (const m of this.#iter) {
          this.raw.push({ subject: m.subject, data: m.data });
          if (stream === StreamNames.audio)
            this.chunks.push({
              subject: m.subject,
              meta: decodeAudioHeaders((n) => m.headers?.get(n) || undefined),
              data: Buffer.from(m.data),
            });
        }
      } catch (err) {
        if (!this.#stopped) process.stderr.write(`StreamTap ${stream} ${filter}: ${String(err)}\n`);
        await sleep(250);
      }
      if (!this.#stopped) {
        this.raw.length = 0;
        this.chunks.length = 0;
      }
    }
  }

  /** The capture sessions seen, in order of their first chunk. */
  sessions(): string[] {
    return [...new Set(this.chunks.map((c) => c.meta.session))];
  }

  /** The chunks of one session. */
  of(session: string): TappedChunk[] {
    return this.chunks.filter((c) => c.meta.session === session);
  }

  /** A source's isr_status entry now (null when it has none). */
  async status(source: string): Promise<SourceStatus | null> {
    this.#statusKv ??= await new Kvm(this.#nc).open(Buckets.status);
    const e = await this.#statusKv.get(source);
    return e && e.operation === 'PUT' ? e.json<SourceStatus>() : null;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.#iter?.stop();
    await this.#nc.close();
    await this.#loop.catch(() => undefined);
  }
}

/** A source's audio chunks from ISR_AUDIO, from the start of the stream. */
export function tapAudio(url: string, source: string): Promise<StreamTap> {
  return StreamTap.open(url, StreamNames.audio, Subjects.audio(source));
}

/** Frames in these chunks (by their headers). */
export function frameCount(chunks: readonly TappedChunk[]): number {
  return chunks.reduce((n, c) => n + c.meta.frames, 0);
}

/** A session's PCM chunks must be exact, contiguous and numbered without holes: null, or what is wrong. */
export function assertContiguous(chunks: readonly TappedChunk[], chunkFrames: number): string | null {
  for (let i = 0; i < chunks.length; i++) {
    const m = chunks[i]!.meta;
    if (m.seq !== i + 1) return `chunk ${i} has seq ${m.seq}`;
    const expectedOffset = i * chunkFrames;
    if (m.offset !== expectedOffset) return `chunk ${i} has offset ${m.offset}, expected ${expectedOffset}`;
    if (i < chunks.length - 1 && m.frames !== chunkFrames)
      return `chunk ${i} has ${m.frames} frames, expected ${chunkFrames}`;
    if (chunks[i]!.data.length !== m.frames * m.channels * 2)
      return `chunk ${i}: ${chunks[i]!.data.length} bytes for ${m.frames} frames`;
  }
  return null;
}
