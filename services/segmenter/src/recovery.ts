import { readSync } from 'node:fs';
import { FLAC_STREAMINFO_END, patchStreamInfo } from '@isr/audio';
import type { Logger } from 'pino';
import type { CodecInitCache } from './codec-init.ts';
import type { OpenFileRecord } from './journal.ts';
import { OggSink } from './ogg-sink.ts';
import { RawSink } from './raw-sink.ts';
import { closeFd, fdatasync, ftruncate, openFd, type Sink, writeAt } from './sink.ts';
import { WavSink } from './wav-sink.ts';

export type Recovered = { kind: 'continue'; sink: Sink } | { kind: 'finished'; frames: number; bytes: number } | { kind: 'missing' };

/**
 * Repairs a file a crash left open, from its journal record: cuts it back to the durable length (whatever
 * came after is redelivered by JetStream, since it was never acknowledged) and fixes its header. WAV, MP3,
 * AAC and Ogg files are continued; a PCM FLAC file is finished (STREAMINFO total samples set, MD5 cleared)
 * because a libFLAC encoder cannot resume a stream — the rest of that interval goes to a new file.
 */
export async function recoverFile(source: string, rec: OpenFileRecord, codecInit: CodecInitCache, log: Logger): Promise<Recovered> {
  let fd: number;
  try {
    fd = await openFd(rec.path, 'r+');
  } catch (err) {
    log.error({ err, path: rec.path }, 'file left open by a crash is gone; continuing without it');
    return { kind: 'missing' };
  }
  await ftruncate(fd, rec.byteLength);
  if (rec.container === 'wav') {
    const sink = WavSink.resume(fd, { sampleRate: rec.sampleRate, channels: rec.channels, bitsPerSample: 16 }, rec.byteLength, rec.frames);
    await sink.sync(true); // header sizes for the cut-back length
    return { kind: 'continue', sink };
  }
  if (rec.container === 'flac' && rec.format === 'pcm') {
    const head = Buffer.alloc(FLAC_STREAMINFO_END);
    readSync(fd, head, 0, head.length, 0);
    patchStreamInfo(head, rec.frames);
    writeAt(fd, head, 0);
    await fdatasync(fd);
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
