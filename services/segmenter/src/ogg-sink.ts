import { isOggHeaderPage, parseOggPage, rewriteAudioPage, startOggFile, type OggRewriteState } from '@isr/audio';
import { ContractError, type AudioUnit } from '@isr/contract';
import { AppendSink, type Durable, writeAt } from './sink.ts';
import { StreamHash } from './stream-hash.ts';

/**
 * Ogg (Opus/Vorbis/FLAC-in-Ogg): the session's header pages, then the audio pages renumbered after them with
 * granule positions rebased to start at 0 and fresh CRCs, so each file is a clean stream on its own.
 * Header pages repeated inside the chunks (a capture restart re-sends them) are dropped.
 */
export class OggSink extends AppendSink {
  readonly #init: Uint8Array;
  #state: OggRewriteState | null;

  constructor(
    fd: number,
    init: Uint8Array,
    bytes: number,
    frames: number,
    state: OggRewriteState | null,
    hash: StreamHash | null = null,
  ) {
    super(fd, bytes, frames, hash);
    this.#init = init;
    this.#state = state;
  }

  static create(fd: number, init: Uint8Array): OggSink {
    const hash = new StreamHash();
    if (init.length) {
      writeAt(fd, init, 0);
      hash.feed(init, 0);
    }
    return new OggSink(fd, init, init.length, 0, null, hash);
  }

  async writeUnits(data: Uint8Array, units: readonly AudioUnit[]): Promise<void> {
    let pos = 0;
    for (const u of units) {
      const bytes = data.subarray(pos, pos + u.bytes);
      pos += u.bytes;
      let page;
      try {
        page = parseOggPage(bytes);
      } catch (cause) {
        throw new ContractError('an Isr-Units entry of an Ogg chunk is not one whole Ogg page', { cause });
      }
      if (isOggHeaderPage(page)) continue;
      this.#state ??= startOggFile(this.#init, page.granule, u.samples);
      this.append(rewriteAudioPage(page, this.#state), u.samples); // parsed above: not parsed again
    }
  }

  protected override durable(): Durable {
    return {
      ...super.durable(),
      ogg: this.#state
        ? { nextSequence: this.#state.nextSequence, granuleBase: this.#state.granuleBase.toString() }
        : null,
    };
  }
}
