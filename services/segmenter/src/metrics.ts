import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The segmenter's metrics, registered on the service's own registry. */
export function createSegmenterMetrics(registry: Registry) {
  return {
    chunks: new Counter({
      name: 'isr_segmenter_chunks_total',
      help: 'Audio chunks taken from ISR_AUDIO (including redelivered duplicates)',
      labelNames: ['source'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'isr_segmenter_duplicate_chunks_total',
      help: 'Chunks (or parts of chunks) skipped because they were already written (redelivery after a crash or ack timeout)',
      labelNames: ['source'],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'isr_segmenter_bytes_written_total',
      help: 'Bytes written to recording files',
      labelNames: ['source'],
      registers: [registry],
    }),
    filesOpened: new Counter({
      name: 'isr_segmenter_files_opened_total',
      help: 'Recording files opened',
      labelNames: ['source'],
      registers: [registry],
    }),
    filesClosed: new Counter({
      name: 'isr_segmenter_files_closed_total',
      help: 'Recording files closed, by reason (split, new-session, idle, shutdown, error)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    holesFilled: new Counter({
      name: 'isr_segmenter_hole_chunks_filled_total',
      help: 'Chunks read straight from ISR_AUDIO to fill a hole in a session: their deliveries were lost (a broken connection, a slow-consumer cut) and would come again only after ack_wait',
      labelNames: ['source'],
      registers: [registry],
    }),
    poison: new Counter({
      name: 'isr_segmenter_poison_messages_total',
      help: 'ISR_AUDIO messages terminated because their headers or body break the contract',
      registers: [registry],
    }),
    writeErrors: new Counter({
      name: 'isr_segmenter_write_errors_total',
      help: 'Chunks that failed to be written (disk full, permissions…) and were nak-ed for redelivery',
      labelNames: ['source'],
      registers: [registry],
    }),
    held: new Gauge({
      name: 'isr_segmenter_source_held',
      help: '1 while a source is held after a write failure (disk full, I/O error): nothing of it is acknowledged, its audio waits in JetStream and the same write is retried',
      labelNames: ['source'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'isr_segmenter_lag_seconds',
      help: 'Wall clock minus the capture time of the last sample written, per source',
      labelNames: ['source'],
      registers: [registry],
    }),
    writeLatency: new Histogram({
      name: 'isr_segmenter_write_latency_seconds',
      help: 'Capture time of the last sample of a chunk to the moment it is written into its file (fsync follows at the next commit); a replayed backlog counts with its age',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'isr_segmenter_consumer_pending',
      help: 'Messages in ISR_AUDIO not yet delivered to the consumers of the sources this segmenter owns (num_pending)',
      registers: [registry],
    }),
    ackPending: new Gauge({
      name: 'isr_segmenter_consumer_ack_pending',
      help: 'Messages delivered to the segmenter and not yet acknowledged',
      registers: [registry],
    }),
    diskFree: new Gauge({
      name: 'isr_segmenter_disk_free_bytes',
      help: 'Free bytes (for unprivileged users) of the filesystem of each recordings directory, as last checked by the disk guard',
      labelNames: ['directory'],
      registers: [registry],
    }),
    diskMinFree: new Gauge({
      name: 'isr_segmenter_disk_min_free_bytes',
      help: "The disk guard's floor (min_free_mb) per recordings directory; 0 = guard off",
      labelNames: ['directory'],
      registers: [registry],
    }),
    deletions: new Counter({
      name: 'isr_segmenter_files_deleted_total',
      help: 'Recordings deleted by the segmenter, by reason (retention: older than keep_days; disk_guard: free space below min_free_mb)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    earlyDeletions: new Counter({
      name: 'isr_segmenter_disk_guard_early_deletions_total',
      help: 'Disk-guard deletions of recordings younger than their keep_days (any, with keep_days = 0): the disk is too small for the retention promised',
      labelNames: ['source'],
      registers: [registry],
    }),
    oldestAge: new Gauge({
      name: 'isr_segmenter_oldest_recording_age_seconds',
      help: 'Age of the oldest closed recording of a source (now minus its end, i.e. its modification time), held files included',
      labelNames: ['source'],
      registers: [registry],
    }),
    archiveFiles: new Gauge({
      name: 'isr_segmenter_archive_files',
      help: 'Closed recordings in the retention index (per recordings directory); set once its start-up scan finished',
      labelNames: ['directory'],
      registers: [registry],
    }),
    owned: new Gauge({
      name: 'isr_segmenter_source_owned',
      help: '1 for each source this segmenter writes (holds the lease of) in the segmenter group; member is its id',
      labelNames: ['source', 'member'],
      registers: [registry],
    }),
    members: new Gauge({
      name: 'isr_segmenter_group_members',
      help: 'Live members of the segmenter group as this segmenter last saw them (heartbeats in KV isr_leases)',
      registers: [registry],
    }),
    filesHashed: new Counter({
      name: 'isr_segmenter_files_hashed_total',
      help: 'Closed files hashed (SHA-256 for the manifest), by method: stream (while writing) or read (read back once at close: a file continued after a crash, a WAV closed before its boundary, FLAC from PCM)',
      labelNames: ['method'],
      registers: [registry],
    }),
    recovered: new Counter({
      name: 'isr_segmenter_files_recovered_total',
      help: 'Files left open by a crash and repaired at start-up',
      labelNames: ['source', 'container'],
      registers: [registry],
    }),
  };
}

export type SegmenterMetrics = ReturnType<typeof createSegmenterMetrics>;
