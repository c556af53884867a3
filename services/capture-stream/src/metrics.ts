import { Counter, Gauge, type Registry } from 'prom-client';

/** capture-stream's own metrics, on the service's registry (labels: source, and reason for reconnects). */
export function createCaptureMetrics(registry: Registry) {
  const registers = [registry];
  return {
    bytes: new Counter({
      name: 'isr_capture_stream_bytes_total',
      help: 'Bytes received from the stream (audio and ICY metadata)',
      labelNames: ['source'],
      registers,
    }),
    chunksPublished: new Counter({
      name: 'isr_capture_stream_chunks_published_total',
      help: 'Audio chunks acknowledged by JetStream',
      labelNames: ['source'],
      registers,
    }),
    reconnects: new Counter({
      name: 'isr_capture_stream_reconnects_total',
      help: 'Reconnects, by reason (content, http, stall, network, eof)',
      labelNames: ['source', 'reason'],
      registers,
    }),
    bufferDropped: new Counter({
      name: 'isr_capture_stream_buffer_dropped_chunks_total',
      help: 'Chunks dropped because NATS was unreachable for longer than buffer_seconds',
      labelNames: ['source'],
      registers,
    }),
    bufferedSeconds: new Gauge({
      name: 'isr_capture_stream_buffered_seconds',
      help: 'Seconds of audio waiting to be published',
      labelNames: ['source'],
      registers,
    }),
    active: new Gauge({
      name: 'isr_capture_stream_active',
      help: "1 while this instance holds the source's lease and records it, 0 while it stands by (another instance records it)",
      labelNames: ['source'],
      registers,
    }),
    up: new Gauge({
      name: 'isr_capture_stream_up',
      help: '1 while the source delivers confirmed audio, else 0',
      labelNames: ['source'],
      registers,
    }),
    corruptBytes: new Counter({
      name: 'isr_capture_stream_corrupt_bytes_total',
      help: 'Bytes skipped while finding frame sync (corruption, the partial frame at each connect)',
      labelNames: ['source'],
      registers,
    }),
    replayDropped: new Counter({
      name: 'isr_capture_stream_replayed_units_dropped_total',
      help: 'Frames/pages a server replayed from the previous connection (burst on connect), recognised and not published again',
      labelNames: ['source'],
      registers,
    }),
    metadataEvents: new Counter({
      name: 'isr_capture_stream_metadata_events_total',
      help: 'ICY StreamTitle changes published',
      labelNames: ['source'],
      registers,
    }),
  };
}

export type CaptureMetrics = ReturnType<typeof createCaptureMetrics>;
