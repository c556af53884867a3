import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The analyzer's metrics (closed-file analysis and live levels), on the service's own registry. */
export function analyzerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    files: new Counter({
      name: 'isr_analyzer_files_total',
      help: 'Files analyzed, by result (ok|error) and trigger (event|request|scan)',
      labelNames: ['result', 'trigger'],
      registers,
    }),
    seconds: new Histogram({
      name: 'isr_analyzer_seconds',
      help: 'Wall time to analyze one file (decode, measure, store)',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    audioSeconds: new Counter({
      name: 'isr_analyzer_audio_seconds_total',
      help: 'Seconds of audio analyzed',
      registers,
    }),
    errors: new Counter({
      name: 'isr_analyzer_errors_total',
      help: 'Files that could not be analyzed (error record written), and bus failures (code BUS), by code',
      labelNames: ['code'],
      registers,
    }),
    requests: new Counter({
      name: 'isr_analyzer_requests_total',
      help: 'isr.analyze requests, by outcome (stored: the stored analysis returned; rederived: a threshold override answered from the stored window series; decoded: the file decoded; shared: joined an identical request in flight; busy: refused, analyze_queue_max reached; refused: bad path, not audio, missing file; failed)',
      labelNames: ['outcome'],
      registers,
    }),
    requestQueue: new Gauge({
      name: 'isr_analyzer_request_queue',
      help: 'isr.analyze requests this replica holds (queued or running), at most analyze_queue_max',
      registers,
    }),
    liveRms: new Gauge({
      name: 'isr_live_rms_dbfs',
      help: 'RMS level of the last second of a PCM source, dBFS',
      labelNames: ['source'],
      registers,
    }),
    livePeak: new Gauge({
      name: 'isr_live_peak_dbfs',
      help: 'Sample peak of the last second of a PCM source, dBFS',
      labelNames: ['source'],
      registers,
    }),
    deadAir: new Gauge({
      name: 'isr_dead_air',
      help: '1 while the source has been below dead_air_threshold_dbfs for dead_air_seconds, else 0',
      labelNames: ['source'],
      registers,
    }),
    deadAirEvents: new Counter({
      name: 'isr_dead_air_events_total',
      help: 'Times a source went into dead air',
      labelNames: ['source'],
      registers,
    }),
    liveSkipped: new Counter({
      name: 'isr_analyzer_live_skipped_total',
      help: 'Audio chunks the live meter did not measure, by reason (compressed: not decodable or analyzer_live_compressed = false; decoder: live decoder failed; bad-headers)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

export type AnalyzerMetrics = ReturnType<typeof analyzerMetrics>;
