import { num, str, type IsrConfig, type SourceConfig } from '@isr/runtime';
import type { ToneSettings } from './tone-source.ts';

/** What every PCM section capture-alsa records has, soundcard or tone. */
export interface PcmSourceSettings {
  source: string;
  sampleRate: number;
  channels: number;
  chunkMs: number;
  bufferSeconds: number;
}

function pcmSettings(src: SourceConfig): PcmSourceSettings {
  const s = src.settings;
  return {
    source: src.name,
    sampleRate: num(s, 'sample_rate'),
    channels: num(s, 'channels'),
    chunkMs: num(s, 'chunk_ms'),
    bufferSeconds: num(s, 'buffer_seconds'),
  };
}

/** The settings of one `type = soundcard` section that capture-alsa uses. */
export interface CaptureSettings extends PcmSourceSettings {
  device: string;
  arecordPath: string;
  stallMs: number;
  reconnectMinSeconds: number;
  reconnectMaxSeconds: number;
}

export function captureSettings(config: IsrConfig, src: SourceConfig): CaptureSettings {
  const s = src.settings;
  return {
    ...pcmSettings(src),
    device: str(s, 'device'),
    arecordPath: str(config.general, 'arecord_path'),
    stallMs: num(s, 'arecord_stall_seconds') * 1000,
    reconnectMinSeconds: num(s, 'reconnect_min_seconds'),
    reconnectMaxSeconds: Math.max(num(s, 'reconnect_min_seconds'), num(s, 'reconnect_max_seconds')),
  };
}

/** The soundcard sections of the configuration (capture-alsa records exactly these). */
export function soundcardSources(config: IsrConfig): SourceConfig[] {
  return config.sources.filter((s) => s.type === 'soundcard');
}

/** The settings of one `type = tone` section. */
export function toneSettings(src: SourceConfig): ToneSettings {
  const s = src.settings;
  return {
    ...pcmSettings(src),
    frequency: num(s, 'tone_frequency'),
    levelDbfs: num(s, 'tone_level_dbfs'),
    silenceSeconds: num(s, 'tone_silence_seconds'),
    periodSeconds: num(s, 'tone_period_seconds'),
  };
}

/** The tone sections of the configuration (capture-alsa generates these). */
export function toneSources(config: IsrConfig): SourceConfig[] {
  return config.sources.filter((s) => s.type === 'tone');
}

/** One section capture-alsa records, with its typed settings. */
export type AlsaSource =
  | { name: string; type: 'soundcard'; settings: CaptureSettings }
  | { name: string; type: 'tone'; settings: ToneSettings };

/** Everything capture-alsa reads from the configuration, typed, read once from the key table. */
export interface CaptureAlsaSettings {
  /** Its soundcard sections, then its tone sections (all, or `--sources`). */
  sources: AlsaSource[];
  failoverSeconds: number;
}

export function captureAlsaSettings(config: IsrConfig): CaptureAlsaSettings {
  return {
    sources: [
      ...soundcardSources(config).map((src): AlsaSource => ({
        name: src.name,
        type: 'soundcard',
        settings: captureSettings(config, src),
      })),
      ...toneSources(config).map((src): AlsaSource => ({ name: src.name, type: 'tone', settings: toneSettings(src) })),
    ],
    failoverSeconds: num(config.general, 'failover_seconds'),
  };
}
