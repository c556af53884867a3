import { SplitClock, ZoneClock } from '@isr/audio';
import { allKeys, num, str, type IsrConfig, type Settings } from '@isr/runtime';
import type { SourceSettings } from './writer-settings.ts';

/** Everything the segmenter reads from the configuration, typed, read once from the key table. */
export interface SegmenterSettings {
  /** [general]'s recordings root: journals, status.json, and the root of every path on the bus. */
  readonly outputDirectory: string;
  /** The configured sources, in file order. */
  readonly sources: readonly string[];
  /** Every recordings root retention walks ([general]'s and each source's). */
  readonly roots: readonly string[];
  readonly commitMs: number;
  readonly statusMs: number;
  readonly failoverSeconds: number;
  readonly minFreeBytes: number;
  readonly diskCheckMs: number;
  /** How a source's files are named, split and written (a source not configured: [general]'s). */
  source(name: string): SourceSettings;
  /** The recordings root of a source. */
  outputDirectoryOf(source: string): string;
  /** keep_days of a source (0 = keep forever). */
  keepDaysOf(source: string): number;
}

/** Test overrides of the configured intervals. */
export interface SegmenterOverrides {
  commitIntervalMs?: number;
  idleGraceMs?: number;
}

/** The key table's default of a key a section of this type does not carry (`format` of a stream source). */
function tableDefault(key: string): string | number {
  const d = allKeys.find((k) => k.key === key)?.default;
  if (typeof d !== 'string' && typeof d !== 'number') throw new Error(`key ${key} has no default in the key table`);
  return d;
}

/** Reads the segmenter's settings from the configuration once. */
export function segmenterSettings(config: IsrConfig, overrides: SegmenterOverrides = {}): SegmenterSettings {
  const general = config.general;
  const sectionOf = (source: string): Settings => config.sources.find((x) => x.name === source)?.settings ?? general;
  const idleGraceMs = overrides.idleGraceMs ?? num(general, 'idle_close_seconds') * 1000;
  const headerRewriteMs = num(general, 'header_rewrite_seconds') * 1000;
  const zones = new Map<string, ZoneClock>();
  const zoneOf = (name: string): ZoneClock => {
    let zone = zones.get(name);
    if (!zone) zones.set(name, (zone = new ZoneClock(name)));
    return zone;
  };
  return {
    outputDirectory: str(general, 'output_directory'),
    sources: config.sources.map((x) => x.name),
    roots: [str(general, 'output_directory'), ...config.sources.map((x) => str(x.settings, 'output_directory'))],
    commitMs: overrides.commitIntervalMs ?? num(general, 'commit_interval_seconds') * 1000,
    statusMs: num(general, 'status_interval_seconds') * 1000,
    failoverSeconds: num(general, 'failover_seconds'),
    minFreeBytes: num(general, 'min_free_mb') * 1024 * 1024,
    diskCheckMs: num(general, 'disk_check_seconds') * 1000,
    source(name) {
      const s = sectionOf(name);
      const zone = zoneOf(str(s, 'timezone'));
      // format and flac_compression apply to PCM sections only; any other section takes the table's default.
      const format = s.format ?? tableDefault('format');
      return {
        source: name,
        outputDirectory: str(s, 'output_directory'),
        template: str(s, 'filename_template'),
        zone,
        split: new SplitClock(num(s, 'split_minutes'), zone),
        pcmContainer: format === 'flac' ? 'flac' : 'wav',
        flacCompression: Number(s.flac_compression ?? tableDefault('flac_compression')),
        headerRewriteMs,
        idleGraceMs,
      };
    },
    outputDirectoryOf: (source) => str(sectionOf(source), 'output_directory'),
    keepDaysOf: (source) => num(sectionOf(source), 'keep_days'),
  };
}
