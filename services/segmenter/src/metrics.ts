import { Counter, Gauge, type Registry } from 'prom-client';

/** The segmenter's metrics, registered on the service's own registry. */
export function createSegmenterMetrics(registry: Registry) {
  return {
    chunks: new Counter({ name: 'isr_segmenter_chunks_total', help: 'Audio chunks taken from ISR_AUDIO (including redelivered duplicates)', labelNames: ['source'], registers: [registry] }),
    duplicates: new Counter({ name: 'isr_segmenter_duplicate_chunks_total', help: 'Chunks (or parts of chunks) skipped because they were already written (redelivery after a crash or ack timeout)', labelNames: ['source'], registers: [registry] }),
    bytes: new Counter({ name: 'isr_segmenter_bytes_written_total', help: 'Bytes written to recording files', labelNames: ['source'], registers: [registry] }),
    filesOpened: new Counter({ name: 'isr_segmenter_files_opened_total', help: 'Recording files opened', labelNames: ['source'], registers: [registry] }),
    filesClosed: new Counter({ name: 'isr_segmenter_files_closed_total', help: 'Recording files closed, by reason (split, new-session, idle, shutdown, error)', labelNames: ['source', 'reason'], registers: [registry] }),
    poison: new Counter({ name: 'isr_segmenter_poison_messages_total', help: 'ISR_AUDIO messages terminated because their headers or body break the contract', registers: [registry] }),
    writeErrors: new Counter({ name: 'isr_segmenter_write_errors_total', help: 'Chunks that failed to be written (disk full, permissions…) and were nak-ed for redelivery', labelNames: ['source'], registers: [registry] }),
    held: new Gauge({ name: 'isr_segmenter_source_held', help: '1 while a source is held after a write failure (disk full, I/O error): nothing of it is acknowledged, its audio waits in JetStream and the same write is retried', labelNames: ['source'], registers: [registry] }),
    lag: new Gauge({ name: 'isr_segmenter_lag_seconds', help: 'Wall clock minus the capture time of the last sample written, per source', labelNames: ['source'], registers: [registry] }),
    pending: new Gauge({ name: 'isr_segmenter_consumer_pending', help: 'Messages in ISR_AUDIO not yet delivered to the segmenter consumer (num_pending)', registers: [registry] }),
    ackPending: new Gauge({ name: 'isr_segmenter_consumer_ack_pending', help: 'Messages delivered to the segmenter and not yet acknowledged', registers: [registry] }),
    recovered: new Counter({ name: 'isr_segmenter_files_recovered_total', help: 'Files left open by a crash and repaired at start-up', labelNames: ['source', 'container'], registers: [registry] }),
  };
}

export type SegmenterMetrics = ReturnType<typeof createSegmenterMetrics>;
