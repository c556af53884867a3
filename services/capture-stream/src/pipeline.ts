import { Chunker, type Chunk } from './chunker.ts';
import { decideKind, type StreamKind } from './codec-detect.ts';
import { Framer, type FramerEvent, type FramerOptions, type StreamFormat } from './framer.ts';
import { IcySplitter } from './icy.ts';

export type PipelineEvent =
  | { type: 'kind'; kind: StreamKind }
  | { type: 'init'; data: Uint8Array; stream: StreamFormat }
  | { type: 'chunk'; chunk: Chunk }
  /** ICY metadata; `offset` = samples of the session framed before the block's byte position. */
  | { type: 'metadata'; raw: Record<string, string>; title: string | null; offset: number; sampleRate: number | null };

export interface PipelineOptions extends FramerOptions {
  contentType: string | undefined;
  icyMetaInt: number | undefined;
  chunkMs?: number;
}

/** Bytes looked at to decide the codec (always exactly this many, so chunking never changes the verdict). */
const SNIFF_BYTES = 512;

/**
 * One connection's bytes → codec decision, codec init, chunks of whole units and metadata events. Pure and
 * incremental: the same byte sequence gives the same events however it is split. Throws StreamContentError
 * when the content is not the audio it claims to be.
 */
export class SessionPipeline {
  private readonly opts: PipelineOptions;
  private readonly icy: IcySplitter;
  private readonly chunker: Chunker;
  private framer: Framer | null = null;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private samples = 0;
  private rate: number | null = null;

  constructor(opts: PipelineOptions) {
    this.opts = opts;
    this.icy = new IcySplitter(opts.icyMetaInt);
    this.chunker = new Chunker(opts.chunkMs ?? 250);
  }

  /** Bytes the framer skipped (see Framer.corruptBytes). */
  get corruptBytes(): number {
    return this.framer?.corruptBytes ?? 0;
  }

  *push(bytes: Uint8Array): Generator<PipelineEvent> {
    for (const piece of this.icy.push(bytes)) {
      if ('stream' in piece) yield* this.audio(piece.stream);
      else {
        const title = piece.metadata.StreamTitle || null;
        yield { type: 'metadata', raw: piece.metadata, title, offset: this.samples, sampleRate: this.rate };
      }
    }
  }

  /** End of the connection: what is provably whole goes out, then the chunk in progress. */
  *end(): Generator<PipelineEvent> {
    if (!this.framer && this.headBytes > 0) yield* this.start(true);
    if (this.framer) yield* this.framed(this.framer.end());
    for (const chunk of this.chunker.flush()) yield { type: 'chunk', chunk };
  }

  private *audio(bytes: Uint8Array): Generator<PipelineEvent> {
    if (this.framer) {
      yield* this.framed(this.framer.push(bytes));
      return;
    }
    this.head.push(bytes);
    this.headBytes += bytes.length;
    if (this.headBytes >= SNIFF_BYTES) yield* this.start(false);
  }

  private *start(atEnd: boolean): Generator<PipelineEvent> {
    const all = new Uint8Array(this.headBytes);
    let at = 0;
    for (const b of this.head) {
      all.set(b, at);
      at += b.length;
    }
    this.head = [];
    const kind = decideKind(this.opts.contentType, all.subarray(0, atEnd ? all.length : SNIFF_BYTES));
    yield { type: 'kind', kind };
    this.framer = new Framer(kind, this.opts);
    yield* this.framed(this.framer.push(all));
  }

  private *framed(events: Iterable<FramerEvent>): Generator<PipelineEvent> {
    for (const ev of events) {
      if (ev.type === 'init') {
        for (const chunk of this.chunker.flush()) yield { type: 'chunk', chunk };
        yield ev;
      } else {
        this.samples += ev.unit.samples;
        this.rate = ev.stream.sampleRate;
        for (const chunk of this.chunker.push(ev.unit, ev.stream)) yield { type: 'chunk', chunk };
      }
    }
  }
}
