import {
  ContractError,
  decodeAudioHeaders,
  StreamNames,
  Subjects,
  type AudioChunkMeta,
  type AudioUnit,
} from '@isr/contract';
import type { JetStreamManager, MsgRequest, NextMsgRequest } from '@nats-io/jetstream';
import { validateChunk } from './chunk-validate.ts';

/** One chunk as ISR_AUDIO stores it. */
export interface StoredChunk {
  /** Stream sequence. */
  seq: number;
  meta: AudioChunkMeta;
  units: AudioUnit[] | null;
  data: Uint8Array;
}

/** Reads one source's chunks straight from the stream, in stream order (what a writer catching up needs). */
export interface AudioReader {
  /** The source's first valid chunk at or after stream sequence `fromSeq`; null when the stream holds none. */
  next(source: string, fromSeq: number): Promise<StoredChunk | null>;
}

/**
 * An AudioReader over `$JS.API.STREAM.MSG.GET.ISR_AUDIO` with `next_by_subj` (nats-server ≥ 2.9). What the
 * stream's retention already dropped is simply not there: the next chunk found is the first one it still holds.
 * Poison messages are skipped (the consumer terminates and counts them).
 */
export function streamAudioReader(jsm: JetStreamManager): AudioReader {
  return {
    async next(source, fromSeq) {
      for (let seq = fromSeq; ;) {
        const q: NextMsgRequest = { seq, next_by_subj: Subjects.audio(source) };
        const sm = await jsm.streams.getMessage(StreamNames.audio, q as unknown as MsgRequest);
        if (!sm) return null;
        try {
          const meta = decodeAudioHeaders((n) => sm.header?.get(n) || undefined);
          return { seq: sm.seq, meta, units: validateChunk(meta, sm.data), data: sm.data };
        } catch (err) {
          if (!(err instanceof ContractError)) throw err;
          seq = sm.seq + 1;
        }
      }
    },
  };
}
