import { ContractError } from './errors.ts';
import { AudioHeaders, isAudioCodec, isAudioFormat, type AudioCodec, type AudioFormat } from './headers.ts';
import { sourceNameProblem } from './names.ts';
import { timeOfFrame } from './timeline.ts';

/** What the headers of one ISR_AUDIO message say about its payload. */
export interface AudioChunkMeta {
  source: string;
  format: AudioFormat;
  codec: AudioCodec;
  sampleRate: number;
  channels: number;
  session: string;
  /** Epoch milliseconds of the session's first sample. */
  sessionStartMs: number;
  seq: number;
  /** Sample frames from the session start to this chunk's first sample. */
  offset: number;
  /** Sample frames in this chunk. */
  frames: number;
  /** Compressed formats: the codec units (frames/pages) the chunk is made of, in order. */
  units?: AudioUnit[];
}

/** One codec unit of a compressed chunk: an MP3/AAC/FLAC frame or an Ogg page. */
export interface AudioUnit {
  bytes: number;
  /** Sample frames (per channel) the unit decodes to; for an Ogg page, the samples of the packets it completes. */
  samples: number;
}

export function encodeUnits(units: readonly AudioUnit[]): string {
  return units.map((u) => `${u.bytes}:${u.samples}`).join(',');
}

export function decodeUnits(raw: string): AudioUnit[] {
  return raw.split(',').map((pair) => {
    const [b, s] = pair.split(':');
    const bytes = Number(b);
    const samples = Number(s);
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || !Number.isSafeInteger(samples) || samples < 0) {
      throw new ContractError(`audio chunk header ${AudioHeaders.units} has a bad unit "${pair}"`);
    }
    return { bytes, samples };
  });
}

/** Epoch ms of the chunk's first sample, computed from the session anchor and the sample count (never a wall-clock read). */
export function chunkTimeMs(meta: Pick<AudioChunkMeta, 'sessionStartMs' | 'offset' | 'sampleRate'>): number {
  return timeOfFrame(meta.offset, meta.sessionStartMs, meta.sampleRate);
}

export function audioMsgId(session: string, seq: number): string {
  return `${session}-${seq}`;
}

/** Header name → value for a chunk. The runtime turns this into NATS headers. */
export function encodeAudioHeaders(meta: AudioChunkMeta): Record<string, string> {
  return {
    [AudioHeaders.source]: meta.source,
    [AudioHeaders.format]: meta.format,
    [AudioHeaders.codec]: meta.codec,
    [AudioHeaders.sampleRate]: String(meta.sampleRate),
    [AudioHeaders.channels]: String(meta.channels),
    [AudioHeaders.session]: meta.session,
    [AudioHeaders.sessionStart]: new Date(meta.sessionStartMs).toISOString(),
    [AudioHeaders.seq]: String(meta.seq),
    [AudioHeaders.offset]: String(meta.offset),
    [AudioHeaders.frames]: String(meta.frames),
    [AudioHeaders.time]: new Date(chunkTimeMs(meta)).toISOString(),
    [AudioHeaders.msgId]: audioMsgId(meta.session, meta.seq),
    ...(meta.units ? { [AudioHeaders.units]: encodeUnits(meta.units) } : {}),
  };
}

function need(get: (name: string) => string | undefined, name: string): string {
  const v = get(name);
  if (v === undefined || v === '') throw new ContractError(`audio chunk has no ${name} header`);
  return v;
}

function int(get: (name: string) => string | undefined, name: string, min: number): number {
  const raw = need(get, name);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new ContractError(`audio chunk header ${name} is "${raw}", not an integer ≥ ${min}`);
  return n;
}

/** Reads and validates the headers of an ISR_AUDIO message. Throws ContractError naming the bad header. */
export function decodeAudioHeaders(get: (name: string) => string | undefined): AudioChunkMeta {
  const source = need(get, AudioHeaders.source);
  const problem = sourceNameProblem(source);
  if (problem) throw new ContractError(`audio chunk header ${AudioHeaders.source} "${source}" ${problem}`);
  const format = need(get, AudioHeaders.format);
  if (!isAudioFormat(format))
    throw new ContractError(`audio chunk header ${AudioHeaders.format} "${format}" is not a known format`);
  const codec = need(get, AudioHeaders.codec);
  if (!isAudioCodec(codec))
    throw new ContractError(`audio chunk header ${AudioHeaders.codec} "${codec}" is not a known codec`);
  const startRaw = need(get, AudioHeaders.sessionStart);
  const sessionStartMs = Date.parse(startRaw);
  if (!Number.isFinite(sessionStartMs))
    throw new ContractError(`audio chunk header ${AudioHeaders.sessionStart} "${startRaw}" is not an ISO time`);
  const unitsRaw = get(AudioHeaders.units);
  return {
    source,
    format,
    codec,
    sampleRate: int(get, AudioHeaders.sampleRate, 1),
    channels: int(get, AudioHeaders.channels, 1),
    session: need(get, AudioHeaders.session),
    sessionStartMs,
    seq: int(get, AudioHeaders.seq, 1),
    offset: int(get, AudioHeaders.offset, 0),
    frames: int(get, AudioHeaders.frames, 0),
    ...(unitsRaw ? { units: decodeUnits(unitsRaw) } : {}),
  };
}
