import type { StreamFormat, Unit } from './framer.ts';

type Held = { unit: Unit; stream: StreamFormat };

/** How much of a source's last audio is remembered: well above Icecast's usual 64 KiB burst. */
const TAIL_MAX_BYTES = 1 << 20;

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * The last units a source published (bounded by bytes), remembered across reconnects so that a server's
 * replay of them to the new connection (Icecast's burst-on-connect, typically the last 64 KiB) is recognised.
 */
export class UnitTail {
  private units: Uint8Array[] = [];
  private bytes = 0;

  add(data: Uint8Array): void {
    this.units.push(data);
    this.bytes += data.length;
    while (this.bytes > TAIL_MAX_BYTES && this.units.length > 1) this.bytes -= this.units.shift()!.length;
  }

  snapshot(): readonly Uint8Array[] {
    return this.units.slice();
  }
}

/**
 * Drops the units at the start of a new connection that repeat the end of the previous one byte for byte.
 * Units are held while they could still be such a replay: they match a run of the previous tail that has not
 * reached its end yet. When a run reaches the end of the tail, the held units were a replay and are dropped;
 * when no run survives, they are new audio and are released. Pure; the decision depends only on the units.
 */
export class OverlapTrimmer {
  private readonly previous: readonly Uint8Array[];
  private held: Held[] = [];
  /** Start positions in `previous` of the runs still matching what was held. */
  private candidates: number[] | null = null;
  private longestReplay = 0;
  private done: boolean;
  private droppedUnits = 0;
  private droppedSamples = 0;

  constructor(previous: readonly Uint8Array[]) {
    this.previous = previous;
    this.done = previous.length === 0;
  }

  /** Whether the start of the connection has been decided (replay dropped or none found). */
  get settled(): boolean {
    return this.done;
  }

  /** Units and samples recognised as a replay and dropped. */
  get dropped(): { units: number; samples: number } {
    return { units: this.droppedUnits, samples: this.droppedSamples };
  }

  /** Feeds one unit; returns the units that are certainly new, in order. */
  push(h: Held): Held[] {
    if (this.done) return [h];
    const i = this.held.length;
    this.held.push(h);
    if (this.candidates === null) {
      this.candidates = [];
      for (let p = 0; p < this.previous.length; p++) if (same(this.previous[p]!, h.unit.data)) this.candidates.push(p);
    } else {
      this.candidates = this.candidates.filter(
        (p) => p + i < this.previous.length && same(this.previous[p + i]!, h.unit.data),
      );
    }
    // A run that reached the end of the previous tail is a complete replay of its last i + 1 units.
    const completed = this.candidates.filter((p) => p + i + 1 === this.previous.length);
    if (completed.length) this.longestReplay = i + 1;
    this.candidates = this.candidates.filter((p) => p + i + 1 < this.previous.length);
    if (this.candidates.length > 0) return [];
    return this.settle();
  }

  /** End of the connection while still matching: what was held is released (a logger keeps audio when unsure). */
  flush(): Held[] {
    if (this.done) return [];
    return this.settle();
  }

  private settle(): Held[] {
    this.done = true;
    const replay = this.held.slice(0, this.longestReplay);
    this.droppedUnits = replay.length;
    this.droppedSamples = replay.reduce((n, r) => n + r.unit.samples, 0);
    const keep = this.held.slice(this.longestReplay);
    this.held = [];
    return keep;
  }
}
