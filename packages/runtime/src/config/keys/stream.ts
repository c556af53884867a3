import type { KeySpec } from '../spec.ts';

/** Keys of `type = stream` sections (capture-stream). */
export const streamKeys: readonly KeySpec[] = [
  {
    key: 'url',
    type: 'string',
    secret: 'url',
    scope: 'source',
    types: ['stream'],
    required: true,
    doc: 'http(s) URL of the Icecast/HTTP stream',
  },
  {
    key: 'stall_seconds',
    type: 'number',
    default: 10,
    scope: 'inherited',
    types: ['stream'],
    min: 1,
    doc: 'Reconnect when no bytes arrive for this long',
  },
  {
    key: 'reconnect_min_seconds',
    type: 'number',
    default: 1,
    scope: 'inherited',
    types: ['stream', 'soundcard'],
    min: 0.1,
    doc: 'First reconnect/restart delay; doubles on each failure',
  },
  {
    key: 'reconnect_max_seconds',
    type: 'number',
    default: 30,
    scope: 'inherited',
    types: ['stream', 'soundcard'],
    min: 0.1,
    doc: 'Longest reconnect/restart delay',
  },
  {
    key: 'buffer_seconds',
    type: 'number',
    default: 120,
    scope: 'inherited',
    types: ['stream', 'soundcard', 'tone'],
    min: 0,
    doc: 'Audio kept in memory while NATS is unreachable; beyond it the oldest is dropped and counted',
  },
];
