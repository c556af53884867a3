// The thread of decode-flac.ts: decodes one native FLAC file with libFLAC (flac-bindings' synchronous file decoder,
// MD5 checking off) into blocks of integer samples, one plane of BLOCK_FRAMES per channel, that it hands to the
// analysis thread, which converts and analyzes one block while this thread decodes the next. Blocks travel by
// transfer (no copy) and come back to be refilled, so the memory is the pool (BLOCK_FRAMES × channels × 4 bytes ×
// POOL), whatever the file's length.
// Messages out: FlacWorkerMessage (decode-flac.ts); in: `{ buf }`, a block given back, or `{}` to look at `stop`.
// It is never terminated from outside (a thread stopped inside a libFLAC callback aborts the process): when
// `stop[0]` is set it finishes the decoder after the current frame and ends by itself; it sets `stop[1]` once the
// decoder is finished (what decode-flac.ts waits for when the process exits).
import { parentPort, workerData } from 'node:worker_threads';
import { api } from 'flac-bindings';

/** Frames per block handed over: 2.7 s at 48 kHz. */
const BLOCK_FRAMES = 1 << 17;
const POOL = 3;
/** Decoder errors passed on (the first ones say what is wrong; a damaged file can have thousands). */
const MAX_ERRORS = 20;

type Builder = InstanceType<typeof api.DecoderBuilder>;
type Block = Int32Array<ArrayBuffer>;

const port = parentPort!;
const { path, stop } = workerData as { path: string; stop: Int32Array };

let channels = 0;
let maxBlock = 65535;
let block: Block | null = null;
let fill = 0;
const free: Block[] = [];
let wake: (() => void) | null = null;
let errors = 0;

port.on('message', (m: { buf?: Block }) => {
  if (m.buf) free.push(m.buf);
  wake?.();
});

const onMetadata: Parameters<Builder['buildWithFile']>[2] = (md) => {
  if (md.type !== api.format.MetadataType.STREAMINFO) return;
  const si = md as InstanceType<typeof api.metadata.StreamInfoMetadata>;
  channels = si.channels;
  if (si.maxBlocksize > 0) maxBlock = si.maxBlocksize;
  for (let i = 0; i < POOL; i++) free.push(new Int32Array(BLOCK_FRAMES * channels));
  port.postMessage({
    type: 'info',
    sampleRate: si.sampleRate,
    channels,
    bitsPerSample: si.bitsPerSample,
    totalSamples: Number(si.totalSamples),
    planeFrames: BLOCK_FRAMES,
  });
};

const onFrame: Parameters<Builder['buildWithFile']>[1] = (frame, buffers) => {
  const n = frame.header.blocksize;
  const ch = frame.header.channels;
  // A frame that does not fit (no STREAMINFO, or a bigger frame than it announced) is a stream error, not a crash.
  if (!block || ch !== channels || fill + n > BLOCK_FRAMES) return api.Decoder.WriteStatus.ABORT;
  // A plain copy per channel: the interleaving and scaling to float happen on the analysis thread, which has time
  // to spare while this one decodes (decoding is the longer of the two).
  for (let c = 0; c < ch; c++)
    block.set(new Int32Array(buffers[c]!.buffer, buffers[c]!.byteOffset, n), c * BLOCK_FRAMES + fill);
  fill += n;
  return api.Decoder.WriteStatus.CONTINUE;
};

const onError: Parameters<Builder['buildWithFile']>[3] = (code) => {
  if (++errors <= MAX_ERRORS)
    port.postMessage({ type: 'error', message: api.Decoder.ErrorStatusString[code] ?? `error ${code}` });
};

function handOver(): void {
  if (block && fill > 0) port.postMessage({ type: 'block', buf: block, frames: fill }, [block.buffer]);
  else if (block) free.push(block);
  block = null;
  fill = 0;
}

const stopped = () => Atomics.load(stop, 0) !== 0;

/** A block to fill, or null when asked to stop. */
async function nextBlock(): Promise<Block | null> {
  while (free.length === 0 && !stopped()) await new Promise<void>((resolve) => (wake = resolve));
  wake = null;
  return stopped() ? null : free.pop()!;
}

async function run(): Promise<void> {
  const dec = new api.DecoderBuilder().setMd5Checking(false).buildWithFile(path, onFrame, onMetadata, onError);
  try {
    if (!dec.processUntilEndOfMetadata())
      throw new Error(`reading the metadata failed: ${dec.getResolvedStateString()}`);
    if (channels === 0) throw new Error('no STREAMINFO block');
    const { END_OF_STREAM } = api.Decoder.State;
    for (;;) {
      if (!block) block = await nextBlock();
      if (!block || stopped()) return;
      const ok = dec.processSingle();
      const state = dec.getState();
      if (!ok || state >= END_OF_STREAM) {
        handOver();
        port.postMessage({ type: 'end', ok: ok && state === END_OF_STREAM, state: dec.getResolvedStateString() });
        return;
      }
      if (fill + maxBlock > BLOCK_FRAMES) handOver();
    }
  } finally {
    dec.finish();
    Atomics.store(stop, 1, 1);
    Atomics.notify(stop, 1);
  }
}

run().then(
  () => port.close(),
  (err: unknown) => {
    port.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    port.close();
  },
);
