/** Reconnect delay after `failures` consecutive failures (1 → min, doubling, capped at max), in ms. */
export function backoffMs(failures: number, minSeconds: number, maxSeconds: number): number {
  const n = Math.max(1, Math.floor(failures));
  const seconds = Math.min(maxSeconds, minSeconds * 2 ** Math.min(n - 1, 30));
  return Math.round(Math.max(minSeconds, seconds) * 1000);
}
