import { Counter, Gauge, type Registry } from 'prom-client';

/** capture-alsa's metrics, all labelled by source, on the registry the service is given. */
export function createCaptureMetrics(registry: Registry) {
  const labelNames = ['source'] as const;
  return {
    frames: new Counter({
      name: 'isr_capture_alsa_frames_total',
      help: 'Sample frames captured (read from arecord, or generated for a tone source)',
      labelNames,
      registers: [registry],
    }),
    chunks: new Counter({
      name: 'isr_capture_alsa_chunks_published_total',
      help: 'Audio chunks acknowledged by JetStream',
      labelNames,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'isr_capture_alsa_dropped_frames_total',
      help: 'Sample frames dropped because NATS was unreachable for longer than buffer_seconds',
      labelNames,
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'isr_capture_alsa_restarts_total',
      help: 'arecord restarts, or tone sessions restarted after falling behind (each starts a new capture session)',
      labelNames,
      registers: [registry],
    }),
    overruns: new Counter({
      name: 'isr_capture_alsa_overruns_total',
      help: 'Overruns reported by arecord (samples lost in the driver)',
      labelNames,
      registers: [registry],
    }),
    up: new Gauge({
      name: 'isr_capture_alsa_up',
      help: '1 while arecord (or the tone generator) delivers audio for the source, else 0',
      labelNames,
      registers: [registry],
    }),
    drift: new Gauge({
      name: 'isr_capture_alsa_clock_drift_seconds',
      help: 'Sample clock minus wall clock in the current session (positive: the device runs fast)',
      labelNames,
      registers: [registry],
    }),
    active: new Gauge({
      name: 'isr_capture_alsa_active',
      help: "1 while this instance holds the source's lease and records it, 0 while it stands by (another instance records it)",
      labelNames,
      registers: [registry],
    }),
    buffered: new Gauge({
      name: 'isr_capture_alsa_buffered_seconds',
      help: 'Audio waiting to be published (grows while NATS is unreachable)',
      labelNames,
      registers: [registry],
    }),
  };
}

export type CaptureMetrics = ReturnType<typeof createCaptureMetrics>;
