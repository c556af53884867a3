import { Subjects } from './subjects.ts';

/** JetStream streams, described without any client types; the runtime provisions them idempotently. */
export const StreamNames = {
  audio: 'ISR_AUDIO',
  events: 'ISR_EVENTS',
} as const;

export interface StreamSpec {
  name: string;
  subjects: string[];
  description: string;
  /** Seconds; 0 = no age limit. */
  maxAgeSeconds: number;
  /** Bytes; -1 = no limit. */
  maxBytes: number;
  /** Seconds within which a repeated Nats-Msg-Id is dropped. */
  duplicateWindowSeconds: number;
}

export interface RetentionSettings {
  audioRetentionSeconds: number;
  audioRetentionBytes: number;
  eventsRetentionSeconds: number;
}

export const DefaultRetention: RetentionSettings = {
  audioRetentionSeconds: 15 * 60,
  audioRetentionBytes: 4 * 1024 ** 3,
  eventsRetentionSeconds: 30 * 24 * 3600,
};

export function streamSpecs(r: RetentionSettings = DefaultRetention): { audio: StreamSpec; events: StreamSpec } {
  return {
    audio: {
      name: StreamNames.audio,
      subjects: [Subjects.audioAll],
      description: 'ISR audio chunks, one message per chunk (isr.audio.<source>)',
      maxAgeSeconds: r.audioRetentionSeconds,
      maxBytes: r.audioRetentionBytes,
      duplicateWindowSeconds: Math.min(120, r.audioRetentionSeconds),
    },
    events: {
      name: StreamNames.events,
      subjects: [
        Subjects.segmentOpenedAll,
        Subjects.segmentClosedAll,
        Subjects.segmentDeletedAll,
        Subjects.analysisDoneAll,
        Subjects.metadataAll,
      ],
      description: 'ISR segment, analysis and metadata events (JSON)',
      maxAgeSeconds: r.eventsRetentionSeconds,
      maxBytes: -1,
      duplicateWindowSeconds: 120,
    },
  };
}

/** Durable consumer names, so `nats consumer info` finds them. */
export const ConsumerNames = {
  segmenter: 'segmenter',
  analyzer: 'analyzer',
  analyzerLive: 'analyzer-live',
  web: 'web',
} as const;
