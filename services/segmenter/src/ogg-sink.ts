import { isOggHeaderPage, parseOggPage, rewriteAudioPage, startOggFile, type OggRewriteState } from '@isr/audio';
import { ContractError, type AudioUnit } from '@isr/contract';
import { closeFd, fdatasync, type Durable, type Sink, writeAt } from './sink.ts';

/**
 * Ogg (Opus/Vorbis/FLAC-in-Ogg): the session's header pages, then the audio pages renumbered after them with
 * granule positions rebased to start at 0 and fresh CRCs, so each file is a clean stream on its own.
 * Header pages repeated inside the chunks (a capture restart re-sends them) are dropped.
 */
export class OggSink implements Sink {
  readonly #fd: number;
  readonly #init: Uint8Array;
  #state: OggRewriteState | null;
  #bytes: number;
  #frames: number;

  constructor(fd: number, init: Uint8Array, bytes: number, frames: number, state: OggRewriteState | null) {
    this.#fd = fd;
    this.#init = init;
    this.#bytes = bytes;
    this.#frames = frames;
    this.#state = state;
  }

  static create(fd: number, init: Uint8Array): OggSink {
    if (init.length) writeAt(fd, init, 0);
    return new OggSink(fd, init, init.length, 0, null);
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
      const out = rewriteAudioPage(page, this.#state); // parsed above: not parsed again
      writeAt(this.#fd, out, this.#bytes);
      this.#bytes += out.length;
      this.#frames += u.samples;
    }
  }

  #durable(): Durable {
    return { bytes: this.#bytes, frames: this.#frames, ogg: this.#state ? { nextSequence: this.#state.nextSequence, granuleBase: this.#state.granuleBase.toString() } : null };
  }

  async sync(): Promise<Durable> {
    const d = this.#durable();
    await fdatasync(this.#fd);
    return d;
  }

  async close(): Promise<Durable> {
    await fdatasync(this.#fd);
    await closeFd(this.#fd);
    return this.#durable();
  }

  async abandon(): Promise<void> {
    await closeFd(this.#fd).catch(() => undefined);
  }
}
