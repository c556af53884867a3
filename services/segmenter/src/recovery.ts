import { readSync } from 'node:fs';
import { FLAC_STREAMINFO_END, patchStreamInfo } from '@isr/audio';
import type { Logger } from 'pino';
import type { CodecInitCache } from './codec-init.ts';
import type { OpenFileRecord } from './journal.ts';
import { OggSink } from './ogg-sink.ts';
import { RawSink } from './raw-sink.ts';
import { FlacSink } from './flac-sink.ts';
import { closeFd, fdatasync, ftruncate, openFd, type Sink, writeAt } from './sink.ts';
import { WavSink } from './wav-sink.ts';

export type Recovered =
  { kind: 'continue'; sink: Sink } | { kind: 'finished'; frames: number; bytes: number } | { kind: 'missing' };

/**
 * Repairs a file a crash left open, from its journal record: cuts it back to the durable length (whatever
 * came after is redelivered by JetStream, since it was never acknowledged) and fixes its header. Every file is
 * continued: a PCM FLAC file by a new libFLAC encoder whose frames are renumbered to follow the file's
 * (flac-sink.ts; its STREAMINFO MD5 is then zero, "unknown"). Only a FLAC file that does not end on a whole
 * fixed-size block (not one this segmenter wrote) is finished instead — the rest of its period goes to a new file.
 */
export async function recoverFile(
  source: string,
  rec: OpenFileRecord,
  codecInit: CodecInitCache,
  log: Logger,
  flacCompression = 5,
): Promise<Recovered> {
  let fd: number;
  try {
    fd = await openFd(rec.path, 'r+');
  } catch (err) {
    log.error({ err, path: rec.path }, 'file left open by a crash is gone; continuing without it');
    return { kind: 'missing' };
  }
  await ftruncate(fd, rec.byteLength);
  if (rec.container === 'wav') {
    const sink = WavSink.resume(
      fd,
      { sampleRate: rec.sampleRate, channels: rec.channels, bitsPerSample: 16 },
      rec.byteLength,
      rec.frames,
    );
    await sink.sync(true); // header sizes for the cut-back length
    return { kind: 'continue', sink };
  }
  if (rec.container === 'flac' && rec.format === 'pcm') {
    const head = Buffer.alloc(FLAC_STREAMINFO_END);
    readSync(fd, head, 0, head.length, 0);
    const blockSize = continuableBlockSize(fd, head, rec);
    patchStreamInfo(head, blockSize ? 0 : rec.frames); // continued: total "unknown" while recording, as a new file
    writeAt(fd, head, 0);
    await fdatasync(fd);
    if (blockSize) {
      const sink = await FlacSink.resume(
        fd,
        { sampleRate: rec.sampleRate, channels: rec.channels, compressionLevel: flacCompression },
        rec.byteLength,
        rec.frames,
        blockSize,
      );
      return { kind: 'continue', sink };
    }
    await closeFd(fd);
    return { kind: 'finished', frames: rec.frames, bytes: rec.byteLength };
  }
  await fdatasync(fd);
  if (rec.container === 'ogg') {
    const state = rec.ogg ? { nextSequence: rec.ogg.nextSequence, granuleBase: BigInt(rec.ogg.granuleBase) } : null;
    const init = state ? new Uint8Array(0) : ((await codecInit.get(source, rec.session, 0)) ?? new Uint8Array(0));
    return { kind: 'continue', sink: new OggSink(fd, init, rec.byteLength, rec.frames, state) };
  }
  return { kind: 'continue', sink: new RawSink(fd, rec.byteLength, rec.frames) };
}

/**
 * The block size when the FLAC file can be continued: a fixed-blocksize stream (STREAMINFO min = max, first
 * frame's sync code 0xFFF8) whose durable frames are whole blocks. 0 when it cannot.
 */
function continuableBlockSize(fd: number, head: Buffer, rec: OpenFileRecord): number {
  const min = head.readUInt16BE(8);
  const max = head.readUInt16BE(10);
  if (min !== max || min === 0 || rec.frames % min !== 0) return 0;
  if (rec.frames === 0) return min;
  // Walk the metadata blocks to the first frame.
  let pos = 4;
  const b = Buffer.alloc(4);
  for (;;) {
    if (readSync(fd, b, 0, 4, pos) < 4) return 0;
    pos += 4 + b.readUIntBE(1, 3);
    if (b[0]! & 0x80) break;
  }
  if (pos >= rec.byteLength || readSync(fd, b, 0, 2, pos) < 2) return 0;
  return b[0] === 0xff && b[1] === 0xf8 ? min : 0;
}
