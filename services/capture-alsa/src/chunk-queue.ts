/** A chunk waiting to be published. `seq` is assigned when it is first sent, so dropped chunks leave no hole in the sequence. */
export interface QueuedChunk {
  session: SessionCounter;
  offset: number;
  frames: number;
  data: Buffer;
  seq?: number;
}

/** Per-session sequence numbers (1, 2, 3… in publish order). */
export interface SessionCounter {
  id: string;
  sessionStartMs: number;
  lastSeq: number;
}

/**
 * FIFO of chunks bounded by bytes (pure). While NATS is unreachable chunks pile up here; beyond the
 * budget the oldest not-yet-sent chunks are dropped and counted, never the one being sent.
 */
export class ChunkQueue {
  /** Slots before `head` are emptied as chunks are acknowledged: a sent chunk's audio is not kept until compaction. */
  private items: (QueuedChunk | undefined)[] = [];
  private head = 0;
  private size = 0;

  readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.size;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds a chunk; returns the chunks dropped to make room (oldest first). */
  push(chunk: QueuedChunk): QueuedChunk[] {
    this.items.push(chunk);
    this.size += chunk.data.length;
    const dropped: QueuedChunk[] = [];
    // keep the first item if it is already in flight (has a seq), and always keep the newest
    while (this.size > this.maxBytes && this.length > 1) {
      const i = this.items[this.head]!.seq === undefined ? this.head : this.head + 1;
      if (i >= this.items.length - 1) break;
      const [d] = this.items.splice(i, 1);
      this.size -= d!.data.length;
      dropped.push(d!);
    }
    return dropped;
  }

  peek(): QueuedChunk | undefined {
    return this.items[this.head];
  }

  /** Removes the first chunk (after it was acknowledged). */
  shift(): QueuedChunk | undefined {
    const c = this.items[this.head];
    if (!c) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    this.size -= c.data.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return c;
  }
}
