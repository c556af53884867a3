import { Chunker, type Chunk } from './chunker.ts';
import { decideKind, type StreamKind } from './codec-detect.ts';
import { concat, Framer, type FramerEvent, type StreamFormat, type Unit } from './framer.ts';
import { IcySplitter } from './icy.ts';
import { OverlapTrimmer, type UnitTail } from './overlap.ts';

export type PipelineEvent =
  | { type: 'kind'; kind: StreamKind }
  | { type: 'init'; data: Uint8Array; stream: StreamFormat }
  | { type: 'chunk'; chunk: Chunk }
  /** Units at the start of the connection that repeated the previous connection's last units, dropped. */
  | { type: 'replay-dropped'; units: number; samples: number }
  /** ICY metadata; `offset` = samples of the session framed before the block's byte position. */
  | { type: 'metadata'; raw: Record<string, string>; title: string | null; offset: number; sampleRate: number | null };

export interface PipelineOptions {
  contentType: string | undefined;
  icyMetaInt: number | undefined;
  chunkMs?: number;
  /** The source's last published units; a replay of them at the start of this connection is dropped, and kept units are added. */
  tail?: UnitTail;
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
  private readonly trimmer: OverlapTrimmer | null;

  constructor(opts: PipelineOptions) {
    this.opts = opts;
    this.icy = new IcySplitter(opts.icyMetaInt);
    this.chunker = new Chunker(opts.chunkMs ?? 250);
    this.trimmer = opts.tail ? new OverlapTrimmer(opts.tail.snapshot()) : null;
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
    if (this.trimmer) for (const h of this.trimmer.flush()) yield* this.keep(h.unit, h.stream);
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
    const all = concat(this.head);
    this.head = [];
    const kind = decideKind(this.opts.contentType, all.subarray(0, atEnd ? all.length : SNIFF_BYTES));
    yield { type: 'kind', kind };
    this.framer = new Framer(kind);
    yield* this.framed(this.framer.push(all));
  }

  private *framed(events: Iterable<FramerEvent>): Generator<PipelineEvent> {
    for (const ev of events) {
      if (ev.type === 'init') {
        for (const chunk of this.chunker.flush()) yield { type: 'chunk', chunk };
        yield ev;
      } else if (!this.trimmer) {
        yield* this.keep(ev.unit, ev.stream);
      } else {
        const wasSettled = this.trimmer.settled;
        const kept = this.trimmer.push(ev);
        if (!wasSettled && this.trimmer.settled && this.trimmer.dropped.units > 0)
          yield { type: 'replay-dropped', ...this.trimmer.dropped };
        for (const h of kept) yield* this.keep(h.unit, h.stream);
      }
    }
  }

  private *keep(unit: Unit, stream: StreamFormat): Generator<PipelineEvent> {
    this.samples += unit.samples;
    this.rate = stream.sampleRate;
    this.opts.tail?.add(unit.data);
    for (const chunk of this.chunker.push(unit, stream)) yield { type: 'chunk', chunk };
  }
}
