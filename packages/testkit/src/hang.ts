import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.ts';

/** A process to hang: a child process, a handle holding one (a nats-server), or a pid. */
export type HangTarget = number | ChildProcess | { readonly process: ChildProcess };

function pidOf(target: HangTarget): number {
  const pid = typeof target === 'number' ? target : 'process' in target ? target.process.pid : target.pid;
  if (pid === undefined) throw new Error('hang: the process has no pid (it never started)');
  return pid;
}

/** The scheduler state of each thread of `pid` ('R', 'S', 'T', …) from /proc/<pid>/task/<tid>/stat. */
export function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // the state follows the command name, which is in parentheses and may itself hold ") "
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  });
}

/**
 * Hangs a process (a nats-server: an outage in which connections stay open and nothing is answered) with
 * SIGSTOP, and resolves once every thread of it is stopped ('T'): a thread busy on another core may otherwise
 * still answer a request sent right after the signal. `resume()` lets it go on.
 */
export async function hang(target: HangTarget, timeoutMs = 5000): Promise<void> {
  const pid = pidOf(target);
  process.kill(pid, 'SIGSTOP');
  await waitFor(
    `every thread of process ${pid} stopped`,
    () => threadStates(pid).every((s) => s === 'T'),
    timeoutMs,
    5,
  );
}

/** Lets a process hung by `hang()` run again (SIGCONT; harmless when it is not stopped or has exited). */
export function resume(target: HangTarget): void {
  try {
    process.kill(pidOf(target), 'SIGCONT');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
