import { num, str, type IsrConfig, type SourceConfig } from '@isr/runtime';
import type { StreamSourceSettings } from './recorder.ts';

/** One `type = stream` section as capture-stream uses it: the recorder's settings and its publisher's buffer. */
export interface StreamSource {
  settings: StreamSourceSettings;
  /** Audio kept while NATS is away (buffer_seconds). */
  bufferSeconds: number;
}

/** Everything capture-stream reads from the configuration, typed, read once from the key table. */
export interface CaptureStreamSettings {
  /** The `type = stream` sections it records (all, or `--sources`). */
  sources: StreamSource[];
  failoverSeconds: number;
}

function streamSource(src: SourceConfig): StreamSource {
  const s = src.settings;
  return {
    settings: {
      name: src.name,
      url: str(s, 'url'),
      stallSeconds: num(s, 'stall_seconds'),
      reconnectMinSeconds: num(s, 'reconnect_min_seconds'),
      reconnectMaxSeconds: num(s, 'reconnect_max_seconds'),
    },
    bufferSeconds: num(s, 'buffer_seconds'),
  };
}

export function captureStreamSettings(config: IsrConfig): CaptureStreamSettings {
  return {
    sources: config.sources.filter((s) => s.type === 'stream').map(streamSource),
    failoverSeconds: num(config.general, 'failover_seconds'),
  };
}
