/**
 * The V8 options every ISR service process runs with, wherever it is started: script/server's supervisor and
 * the testkit's startService add them to NODE_OPTIONS; the Dockerfile sets the same NODE_OPTIONS (a Dockerfile
 * cannot import this file: keep the two equal).
 *
 * `--max-semi-space-size=2` (MiB): V8 grows the young generation up to 3 × 16 MiB (Node 24 on 64-bit) under a
 * steady stream of short-lived buffers, which is what audio chunks are, and never gives it back. Resident
 * memory then climbed 20–50 % over the first hour of the soak benchmark while the JS heap stayed flat;
 * capped, it stays flat (docs/operations.md, "Memory"). The cost is more frequent, smaller scavenges.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=2';

/** NODE_OPTIONS for a service: ours first, then whatever the caller adds (a later V8 flag wins). */
export function serviceNodeOptions(extra: string | undefined): string {
  return [SERVICE_NODE_OPTIONS, extra?.trim()].filter(Boolean).join(' ');
}
