import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The web service's metrics, on the registry it is given. */
export function webMetrics(registry: Registry) {
  return {
    requests: new Histogram({
      name: 'isr_web_http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'isr_web_path_rejections_total',
      help: 'Requests refused for an unsafe or unknown path, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    streamBytes: new Counter({
      name: 'isr_web_stream_bytes_total',
      help: 'Audio bytes requested from /stream, /download and /api/clip',
      labelNames: ['kind'],
      registers: [registry],
    }),
    recordings: new Gauge({
      name: 'isr_web_index_recordings',
      help: 'Recordings in the in-memory index',
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'isr_web_sse_clients',
      help: 'Pages connected to /api/events',
      registers: [registry],
    }),
    events: new Counter({
      name: 'isr_web_bus_events_total',
      help: 'ISR_EVENTS messages applied to the index, by subject root',
      labelNames: ['kind'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'isr_web_auth_failures_total',
      help: 'Requests to DELETE or keep routes refused for wrong credentials',
      registers: [registry],
    }),
    clipReadBytes: new Counter({
      name: 'isr_web_clip_read_bytes_total',
      help: 'Bytes /api/clip read from recordings (cutting clips and learning the length of files without a known duration)',
      registers: [registry],
    }),
    clipsInProgress: new Gauge({
      name: 'isr_web_clips_in_progress',
      help: 'Clips /api/clip is cutting now (at most clip_max_concurrent)',
      registers: [registry],
    }),
    deletes: new Counter({
      name: 'isr_web_deletes_total',
      help: 'Recordings deleted through DELETE /api/files',
      registers: [registry],
    }),
  };
}
export type WebMetrics = ReturnType<typeof webMetrics>;
