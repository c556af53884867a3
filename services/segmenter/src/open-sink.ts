import { unlink } from 'node:fs/promises';
import { type AudioChunkMeta } from '@isr/contract';
import { createRecordingFile } from './file-namer.ts';
import { FlacSink } from './flac-sink.ts';
import type { Container } from './journal.ts';
import { OggSink } from './ogg-sink.ts';
import { RawSink } from './raw-sink.ts';
import { closeFd, type Sink } from './sink.ts';
import type { SourceSettings } from './writer-settings.ts';
import { WavSink } from './wav-sink.ts';

const DAY = 86_400_000;

export interface OpenSinkArgs {
  settings: SourceSettings;
  meta: AudioChunkMeta;
  /** Session offset of the file's first sample. */
  offset: number;
  startMs: number;
  /** PCM: the frames the file holds when it closes at its split boundary (WAV hashes its final header ahead). */
  expectedFrames: number;
  container: Container;
  init: Uint8Array | null;
}

/** Creates the file (never overwriting) and the sink that writes its container, with the start time inside. */
export async function openSink(a: OpenSinkArgs): Promise<{ path: string; rel: string; sink: Sink; reused: boolean }> {
  const s = a.settings;
  const { path, rel, fd, reused } = await createRecordingFile(
    s.outputDirectory,
    s.source,
    s.template,
    s.zone,
    a.startMs,
    a.container,
  );
  try {
    const sink = await makeSink(a, fd);
    return { path, rel, sink, reused };
  } catch (err) {
    // Nothing was recorded into it: remove the file we just created so a retry gets the same name.
    await closeFd(fd).catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** Sample frames from local midnight (wall clock) to the instant, as BWF TimeReference wants. */
function timeReference(startMs: number, a: Pick<OpenSinkArgs, 'settings' | 'meta'>): number {
  const wall = startMs + a.settings.zone.offsetMs(startMs);
  const sinceMidnight = ((wall % DAY) + DAY) % DAY;
  return Math.round((sinceMidnight * a.meta.sampleRate) / 1000);
}

async function makeSink(a: OpenSinkArgs, fd: number): Promise<Sink> {
  const { meta, settings: s } = a;
  const local = s.zone.isoLocal(a.startMs);
  const tr = timeReference(a.startMs, a);
  switch (a.container) {
    case 'wav':
      return WavSink.create(
        fd,
        { sampleRate: meta.sampleRate, channels: meta.channels, bitsPerSample: 16 },
        {
          description: `ISR ${s.source} session ${meta.session} offset ${a.offset}`.slice(0, 256),
          originator: 'ISR',
          originatorReference: meta.session.slice(0, 32),
          originationDate: local.slice(0, 10),
          originationTime: local.slice(11, 19),
          timeReference: tr,
        },
        a.expectedFrames,
      );
    case 'flac':
      if (meta.format === 'pcm') {
        return FlacSink.create(fd, {
          sampleRate: meta.sampleRate,
          channels: meta.channels,
          compressionLevel: s.flacCompression,
          comments: [
            `ISR_START=${new Date(a.startMs).toISOString()}`,
            `ISR_START_LOCAL=${local}`,
            `ISR_TIME_REFERENCE=${tr}`,
            `ISR_SOURCE=${s.source}`,
            `ISR_SESSION=${meta.session}`,
            `ISR_SESSION_OFFSET=${a.offset}`,
          ],
        });
      }
      return RawSink.create(fd, a.init);
    case 'ogg':
      return OggSink.create(fd, a.init ?? new Uint8Array(0));
    default:
      return RawSink.create(fd, null);
  }
}
