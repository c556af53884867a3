/**
 * Header names carried by every ISR_AUDIO message. A consumer needs no other state to place a chunk:
 * source, format and codec, sample rate, channels, capture session, per-session sequence, the session's
 * anchor time and this chunk's first-sample offset (in sample frames) from it.
 */
export const AudioHeaders = {
  source: 'Isr-Source',
  /** Container/bitstream: see AudioFormats. */
  format: 'Isr-Format',
  /** Codec inside the container: see AudioCodecs. */
  codec: 'Isr-Codec',
  sampleRate: 'Isr-Sample-Rate',
  channels: 'Isr-Channels',
  /** New on every (re)connect or restart of a capture. */
  session: 'Isr-Session',
  /** UTC capture time (ISO 8601, ms) of the session's first sample: the anchor of the session's sample clock. */
  sessionStart: 'Isr-Session-Start',
  /** Per-session sequence number, starting at 1, no holes. */
  seq: 'Isr-Seq',
  /** Sample frames from the session's first sample to this chunk's first sample. */
  offset: 'Isr-Offset',
  /** Sample frames in this chunk (PCM: exact; compressed: decoded samples per channel as counted by the framer). */
  frames: 'Isr-Frames',
  /** UTC capture time (ISO 8601, ms) of this chunk's first sample = session start + offset / rate. For humans and tools. */
  time: 'Isr-Time',
  /**
   * Compressed formats only: the chunk's codec units (MP3/AAC/FLAC frames, Ogg pages) in order, as
   * `bytes:samples` pairs joined by commas, e.g. `417:1152,418:1152`. Lets a consumer cut inside a chunk
   * at an exact unit boundary without parsing the codec. Absent for PCM.
   */
  units: 'Isr-Units',
  /** Standard JetStream de-duplication id: `<session>-<seq>`. */
  msgId: 'Nats-Msg-Id',
} as const;

export type AudioHeaderName = (typeof AudioHeaders)[keyof typeof AudioHeaders];

export const AudioFormats = {
  pcm: 'pcm',
  mp3: 'mp3',
  aac: 'aac',
  ogg: 'ogg',
  flac: 'flac',
} as const;
export type AudioFormat = (typeof AudioFormats)[keyof typeof AudioFormats];

export const AudioCodecs = {
  pcmS16le: 'pcm_s16le',
  mp3: 'mp3',
  aac: 'aac',
  opus: 'opus',
  vorbis: 'vorbis',
  flac: 'flac',
} as const;
export type AudioCodec = (typeof AudioCodecs)[keyof typeof AudioCodecs];

/** File extension the segmenter gives each format (PCM depends on the source's `format = wav|flac`). */
export const FormatExtensions = {
  mp3: 'mp3',
  aac: 'aac',
  ogg: 'ogg',
  flac: 'flac',
} as const;

export function isAudioFormat(v: string): v is AudioFormat {
  return Object.values(AudioFormats).includes(v as AudioFormat);
}
export function isAudioCodec(v: string): v is AudioCodec {
  return Object.values(AudioCodecs).includes(v as AudioCodec);
}
