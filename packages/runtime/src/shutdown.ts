import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/**
 * Resolves on the first SIGTERM or SIGINT. A second signal, or the timeout after the first,
 * exits the process (files are already flushed periodically, so a forced exit still leaves them playable).
 */
export function waitForSignal(log: Logger, timeoutSeconds: number): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal, timeoutSeconds }, 'shutting down');
      setTimeout(() => {
        log.error({ timeoutSeconds }, 'shutdown took too long: exiting');
        process.exit(1);
      }, timeoutSeconds * 1000).unref();
      resolve(signal);
    };
    let stopping = false;
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * Waits until `work` settles, or `timeoutMs` at most. Unlike racing a bare setTimeout, the timer is cancelled when
 * the work wins, so a closing service does not linger until a deadline nobody waits for any more.
 */
export async function settleWithin(work: Promise<unknown> | null, timeoutMs: number): Promise<void> {
  const workDone = new AbortController();
  const deadline = sleep(Math.max(0, timeoutMs), undefined, { signal: workDone.signal }).catch(() => undefined);
  try {
    await Promise.race([work?.catch(() => undefined), deadline]);
  } finally {
    workDone.abort();
  }
}
