import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AudioBlock, DecodedAudio } from './decoded-audio.ts';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';

/** What flac-decode-worker.ts posts, in this order: info, then blocks and errors, then end (or fatal at any point). */
export type FlacWorkerMessage =
  | {
      type: 'info';
      sampleRate: number;
      channels: number;
      bitsPerSample: number;
      totalSamples: number;
      planeFrames: number;
    }
  /** `frames` samples per channel, channel c's from c × planeFrames. */
  | { type: 'block'; buf: Int32Array<ArrayBuffer>; frames: number }
  | { type: 'error'; message: string }
  | { type: 'end'; ok: boolean; state: string }
  | { type: 'fatal'; message: string };

/** Frames converted and analyzed at a time (64 KiB of stereo floats). */
const PIECE_FRAMES = 8192;

/**
 * Decoders running now. process.exit() (a forced shutdown, a fatal error) terminates worker threads, and one
 * terminated with libFLAC's objects alive aborts the whole process (SIGABRT from flac-bindings): on exit, each is
 * asked to stop and given a moment (blocking: nothing else runs at exit any more) to finish its decoder.
 */
const live = new Set<{ stop: Int32Array; worker: Worker }>();
let exitHooked = false;
function stopAllNow(): void {
  for (const { stop, worker } of live) {
    Atomics.store(stop, 0, 1);
    worker.postMessage({});
  }
  for (const { stop } of live) Atomics.wait(stop, 1, 0, 2000);
}

// The worker is a sibling module: flac-decode-worker.ts when running the sources, .js when built.
const workerUrl = new URL(`./flac-decode-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Decodes a native FLAC file in process with libFLAC on a worker thread, in parallel with the analysis on this one
 * (no subprocess, no pipe: the worker copies libFLAC's integer samples into channel planes it transfers here, and
 * this thread interleaves them as floats, since decoding is the longer of the two). libFLAC's complaints (lost sync, bad header, frame CRC mismatch) become `decoder:`
 * warnings, and a stream it cannot finish fails with DECODE_FAILED, so analyzeFile reports FLAC_CORRUPT for both.
 */
export async function decodeFlac(path: string): Promise<DecodedAudio> {
  // stop[0]: set to ask the worker to stop; stop[1]: set by the worker once its decoder is finished.
  const stop = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(workerUrl, { workerData: { path, stop } });
  const running = { stop, worker };
  live.add(running);
  if (live.size === 1 && !exitHooked) {
    exitHooked = true;
    process.once('exit', stopAllNow);
  }
  const queue: FlacWorkerMessage[] = [];
  let waiting: (() => void) | null = null;
  let exited = false;
  const wakeUp = () => {
    waiting?.();
    waiting = null;
  };
  worker.on('message', (m: FlacWorkerMessage) => {
    queue.push(m);
    wakeUp();
  });
  worker.on('error', (err) => {
    queue.push({ type: 'fatal', message: err.message });
    wakeUp();
  });
  worker.on('exit', () => {
    live.delete(running);
    exited = true;
    wakeUp();
  });
  const next = async (): Promise<FlacWorkerMessage> => {
    while (queue.length === 0) {
      if (exited) return { type: 'fatal', message: 'the decoder thread exited' };
      await new Promise<void>((resolve) => (waiting = resolve));
    }
    return queue.shift()!;
  };
  const fail = (message: string) => new AnalysisError(AnalysisErrorCodes.decodeFailed, `libFLAC: ${message}`);
  // Never worker.terminate(): a thread stopped inside a libFLAC callback aborts the process. Ask, and wait for it.
  const finish = async () => {
    Atomics.store(stop, 0, 1);
    if (!exited) worker.postMessage({});
    while (!exited) await new Promise<void>((resolve) => (waiting = resolve));
  };

  const first = await next();
  if (first.type !== 'info') {
    await finish();
    throw fail(first.type === 'fatal' ? first.message : `no STREAMINFO (${first.type})`);
  }
  const warnings: string[] = [];
  const complaints: string[] = [];
  const blocks = async function* (): AsyncGenerator<AudioBlock> {
    let given: Int32Array<ArrayBuffer> | null = null;
    const { channels, planeFrames } = first;
    const out = new Float32Array(PIECE_FRAMES * channels);
    const scale = 1 / 2 ** (first.bitsPerSample - 1);
    try {
      for (;;) {
        const m = await next();
        // The block analyzed last goes back to the worker only now: the consumer is done with it.
        if (given) worker.postMessage({ buf: given }, [given.buffer]);
        given = null;
        if (m.type === 'block') {
          given = m.buf;
          // In pieces that stay in the CPU cache between the conversion and the analysis that reads them back.
          for (let at = 0; at < m.frames; at += PIECE_FRAMES) {
            const n = Math.min(PIECE_FRAMES, m.frames - at);
            interleave(m.buf, planeFrames, channels, at, n, scale, out);
            yield { samples: out, frames: n };
          }
        } else if (m.type === 'error') complaints.push(m.message);
        else if (m.type === 'end') {
          const said = complaints.slice(0, 3).join(' | ');
          if (!m.ok) throw fail(`decoding stopped (${m.state})${said ? `: ${said}` : ''}`);
          if (said) warnings.push(`decoder: ${said}`);
          return;
        } else throw fail(m.type === 'fatal' ? m.message : `unexpected ${m.type}`);
      }
    } finally {
      await finish();
    }
  };
  return {
    container: 'flac',
    codec: 'flac',
    decoder: 'libflac',
    sampleRate: first.sampleRate,
    channels: first.channels,
    bitsPerSample: first.bitsPerSample,
    warnings,
    blocks: blocks(),
  };
}

/** Channel planes of integer samples → interleaved floats in −1…1 (exact up to 24 bits: the float holds the integer). */
function interleave(
  planes: Int32Array,
  planeFrames: number,
  channels: number,
  from: number,
  frames: number,
  scale: number,
  out: Float32Array,
): void {
  if (channels === 2) {
    for (let i = 0, l = from, r = planeFrames + from; i < frames * 2; i += 2, l++, r++) {
      out[i] = planes[l]! * scale;
      out[i + 1] = planes[r]! * scale;
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    for (let i = 0, p = c * planeFrames + from, j = c; i < frames; i++, p++, j += channels) out[j] = planes[p]! * scale;
  }
}
