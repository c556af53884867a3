import type { AudioChunkMeta } from '@isr/contract';
import type { KV } from '@nats-io/kv';

/** A chunk's headers before it is sent: `seq` is given when the chunk is first sent (see OrderedPublisher). */
export type UnsentChunkMeta = Omit<AudioChunkMeta, 'seq'>;

/** What an OrderedPublisher sends, in the order it was queued. Only audio is ever dropped. */
export type PublishItem =
  | { kind: 'audio'; meta: UnsentChunkMeta; data: Uint8Array }
  /** A JetStream message with its own de-duplication id (e.g. a metadata event). */
  | { kind: 'message'; subject: string; data: Uint8Array; msgID: string }
  /** A KV put that the audio after it needs (e.g. the codec init of a session). */
  | { kind: 'put'; kv: KV; key: string; value: string };

/** An audio item in the queue; `seq` is set once it has been sent (it is then in flight until acknowledged). */
export type QueuedAudio = Extract<PublishItem, { kind: 'audio' }> & { seq?: number };
type Queued = Exclude<PublishItem, { kind: 'audio' }> | QueuedAudio;

/** Seconds of audio in a chunk. */
export function chunkSeconds(meta: Pick<UnsentChunkMeta, 'frames' | 'sampleRate'>): number {
  return meta.frames / meta.sampleRate;
}

/**
 * FIFO of what a publisher still has to send, bounded by seconds of audio (pure). Beyond the budget the oldest
 * audio not yet sent is dropped; never the chunk in flight (it may already be stored, and its retry must carry
 * the same Nats-Msg-Id), never the newest chunk, never a message or KV put (later audio may depend on them).
 */
export class PublishQueue {
  /** Slots before `head` are emptied as items are acknowledged: a sent chunk's audio is not kept until compaction. */
  private items: (Queued | undefined)[] = [];
  private head = 0;
  private audioSeconds = 0;

  readonly budgetSeconds: number;

  constructor(budgetSeconds: number) {
    this.budgetSeconds = budgetSeconds;
  }

  /** Seconds of audio waiting (the in-flight chunk included). */
  get seconds(): number {
    return this.audioSeconds;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds an item; returns the audio dropped to stay within the budget (oldest first). */
  push(item: PublishItem): QueuedAudio[] {
    this.items.push(item);
    if (item.kind !== 'audio') return [];
    this.audioSeconds += chunkSeconds(item.meta);
    const dropped: QueuedAudio[] = [];
    let from = this.head;
    while (this.audioSeconds > this.budgetSeconds + 1e-9) {
      const i = this.oldestDroppable(from);
      if (i < 0) break;
      const d = this.items.splice(i, 1)[0] as QueuedAudio;
      this.audioSeconds -= chunkSeconds(d.meta);
      dropped.push(d);
      from = i;
    }
    return dropped;
  }

  peek(): Queued | undefined {
    return this.items[this.head];
  }

  /** Removes the first item (after it was acknowledged) and lets go of it. */
  shift(): Queued | undefined {
    const item = this.items[this.head];
    if (!item) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    if (item.kind === 'audio') this.audioSeconds = this.length ? this.audioSeconds - chunkSeconds(item.meta) : 0;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Index of the oldest audio at or after `from` that is neither in flight nor the newest item, or -1. */
  private oldestDroppable(from: number): number {
    const last = this.items.length - 1;
    for (let i = from; i < last; i++) {
      const it = this.items[i]!;
      if (it.kind === 'audio' && it.seq === undefined) return i;
    }
    return -1;
  }
}
