import type { KeySpec } from '../spec.ts';

export const generalKeys: readonly KeySpec[] = [
  { key: 'output_directory', type: 'string', default: 'recordings', scope: 'inherited', env: 'ISR_OUTPUT_DIRECTORY', doc: 'Recordings root; relative paths resolve against the working directory. Files go to <output_directory>/<source>/…. A source section may only repeat [general]\'s (a different one is refused at start-up: web and analyzer find every recording under [general]\'s)' },
  { key: 'split_minutes', type: 'number', default: 60, scope: 'inherited', min: 0.05, max: 1440, doc: 'Split files on multiples of this many minutes from local midnight (decimals allowed: 0.25 = 15 s)' },
  { key: 'timezone', type: 'string', default: '', scope: 'inherited', env: 'ISR_TIMEZONE', doc: 'IANA time zone for split boundaries and file names (empty = the machine\'s zone, TZ)' },
  { key: 'filename_template', type: 'string', default: '%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z', scope: 'inherited', doc: 'strftime-style path below <output_directory>/<source>/ (%Y %m %d %H %M %S %z %Z %s {source}); the extension is added. Must keep %z or %Z (or use timezone = UTC) so a DST hour never collides' },
  { key: 'log_file', type: 'string', default: '', scope: 'general', env: 'ISR_LOG_FILE', doc: 'Also append JSON logs to this file (empty = standard output only)' },
  { key: 'log_level', type: 'enum', default: 'info', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], scope: 'general', env: 'LOG_LEVEL', doc: 'Minimum log level' },
  { key: 'nats_url', type: 'string', secret: 'url', default: 'nats://127.0.0.1:4222', scope: 'general', env: 'NATS_URL', doc: 'NATS server URL(s), comma-separated; on a cluster list every node (nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222)' },
  { key: 'audio_retention_minutes', type: 'number', default: 15, scope: 'general', min: 1, doc: 'How long ISR_AUDIO keeps chunks: long enough to survive a segmenter restart' },
  { key: 'audio_retention_mb', type: 'integer', default: 4096, scope: 'general', min: 16, doc: 'Upper bound on ISR_AUDIO size in MiB (oldest chunks dropped first)' },
  { key: 'events_retention_days', type: 'number', default: 30, scope: 'general', min: 1, doc: 'How long ISR_EVENTS keeps segment/analysis/metadata events' },
  { key: 'stream_replicas', type: 'integer', default: 1, scope: 'general', min: 1, max: 5, env: 'ISR_STREAM_REPLICAS', doc: 'Replicas of ISR_AUDIO, ISR_EVENTS and every KV bucket (1 on a single server, 3 on a three-node cluster); applied at creation and on update (an existing stream is scaled where the server allows it)' },
  { key: 'failover_seconds', type: 'number', default: 10, scope: 'general', min: 1, max: 300, doc: 'A capture given the same source as another stands by and takes over within this many seconds after the active one dies; a segmenter of the group takes over the sources of a dead one within it too (per-source leases in KV isr_leases; the lease TTL is 60 % of it)' },
  { key: 'shutdown_timeout_seconds', type: 'number', default: 25, scope: 'general', min: 1, max: 120, doc: 'On SIGTERM/SIGINT, flush and close within this time' },
  { key: 'capture_stream_metrics_port', type: 'port', default: 9101, scope: 'general', doc: 'capture-stream /metrics and /healthz port (env METRICS_PORT overrides for the service started)' },
  { key: 'capture_alsa_metrics_port', type: 'port', default: 9102, scope: 'general', doc: 'capture-alsa /metrics and /healthz port' },
  { key: 'segmenter_metrics_port', type: 'port', default: 9103, scope: 'general', doc: 'segmenter /metrics and /healthz port' },
  { key: 'analyzer_metrics_port', type: 'port', default: 9104, scope: 'general', doc: 'analyzer /metrics and /healthz port' },
  { key: 'type', type: 'enum', values: ['stream', 'soundcard', 'tone'], scope: 'source', required: true, doc: 'Source type: stream (Icecast/HTTP), soundcard (ALSA) or tone (a generated line-up tone: the demo and chain health check)' },
];
