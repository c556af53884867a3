import { Buckets, decodeAudioHeaders, StreamNames, Subjects, type AudioChunkMeta, type SourceStatus } from '@isr/contract';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface TappedChunk {
  meta: AudioChunkMeta;
  data: Buffer;
}

/** Reads a source's chunks from ISR_AUDIO (from the start of the stream) and its isr_status key, for assertions. */
export class AudioTap {
  readonly chunks: TappedChunk[] = [];
  private nc: NatsConnection | null = null;
  private statusKv: KV | null = null;
  private stopped = false;

  static async open(url: string, source: string): Promise<AudioTap> {
    const tap = new AudioTap();
    tap.nc = await connect({ servers: url });
    const js = jetstream(tap.nc);
    const jsm = await js.jetstreamManager();
    // the service provisions the stream; wait for it
    for (let i = 0; ; i++) {
      try {
        await jsm.streams.info(StreamNames.audio);
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // an ordered consumer over the whole stream (filter_subjects needs nats-server 2.10; Debian ships 2.9)
    const consumer = await js.consumers.get(StreamNames.audio);
    const subject = Subjects.audio(source);
    const messages = await consumer.consume();
    void (async () => {
      for await (const m of messages) {
        if (tap.stopped) break;
        if (m.subject !== subject) continue;
        tap.chunks.push({ meta: decodeAudioHeaders((n) => m.headers?.get(n) || undefined), data: Buffer.from(m.data) });
      }
    })();
    return tap;
  }

  sessions(): string[] {
    return [...new Set(this.chunks.map((c) => c.meta.session))];
  }

  of(session: string): TappedChunk[] {
    return this.chunks.filter((c) => c.meta.session === session);
  }

  async status(source: string): Promise<SourceStatus | null> {
    // opened once it exists (the service creates it), then reused by every poll
    this.statusKv ??= await new Kvm(this.nc!).open(Buckets.status);
    const e = await this.statusKv.get(source);
    return e && e.operation === 'PUT' ? e.json<SourceStatus>() : null;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.nc?.close();
  }
}

/** Frames in these chunks (by their headers). */
export function frameCount(chunks: readonly TappedChunk[]): number {
  return chunks.reduce((n, c) => n + c.meta.frames, 0);
}

/** A session's chunks must be exact, contiguous and numbered without holes. */
export function assertContiguous(chunks: TappedChunk[], chunkFrames: number): string | null {
  for (let i = 0; i < chunks.length; i++) {
    const m = chunks[i]!.meta;
    if (m.seq !== i + 1) return `chunk ${i} has seq ${m.seq}`;
    const expectedOffset = i * chunkFrames;
    if (m.offset !== expectedOffset) return `chunk ${i} has offset ${m.offset}, expected ${expectedOffset}`;
    if (i < chunks.length - 1 && m.frames !== chunkFrames) return `chunk ${i} has ${m.frames} frames, expected ${chunkFrames}`;
    if (chunks[i]!.data.length !== m.frames * m.channels * 2) return `chunk ${i}: ${chunks[i]!.data.length} bytes for ${m.frames} frames`;
  }
  return null;
}
