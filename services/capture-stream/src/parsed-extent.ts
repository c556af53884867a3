/** Beyond this many bytes without a unit (no codec frame is this long) the oldest are let go as skipped. */
const MAX_TAIL_BYTES = 4 << 20;

/**
 * How far codec-parser got in a byte stream, told from what it hands back rather than from its private read
 * position: every unit it yields is a run of the input bytes (an MPEG, ADTS or FLAC frame, an Ogg page), so a copy
 * of the input after the last unit located shows where the next one starts; the bytes before it were skipped.
 */
export class ParsedExtent {
  #tail = Buffer.alloc(0);
  #tailStart = 0;

  /** Input as given to the parser (copied: the caller may reuse its array). */
  push(bytes: Uint8Array): void {
    this.#tail = Buffer.concat([this.#tail, bytes]);
    if (this.#tail.length > MAX_TAIL_BYTES) this.#advance(this.#tail.length - MAX_TAIL_BYTES);
  }

  /** A unit the parser handed back: the extent moves to its end. */
  locate(unit: Uint8Array): void {
    const at = this.#tail.indexOf(unit);
    if (at >= 0) this.#advance(at + unit.length);
  }

  /** Input bytes up to the end of the last unit located (units and skipped bytes). */
  get end(): number {
    return this.#tailStart;
  }

  #advance(n: number): void {
    this.#tailStart += n;
    this.#tail = this.#tail.subarray(n);
  }
}
