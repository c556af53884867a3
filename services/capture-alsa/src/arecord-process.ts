import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter } from './arecord-diagnose.ts';

export interface ArecordParams {
  device: string;
  sampleRate: number;
  channels: number;
}

/** `arecord -q -t raw -f S16_LE -r <rate> -c <channels> -D <device>`: raw interleaved s16le on stdout. */
export function arecordArgs(p: ArecordParams): string[] {
  return ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(p.sampleRate), '-c', String(p.channels), '-D', p.device];
}

export interface ArecordExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started at all (ENOENT, EACCES…). */
  spawnError?: NodeJS.ErrnoException;
}

export interface ArecordHandlers {
  data(chunk: Buffer): void;
  stderrLine(line: string): void;
}

export interface ArecordProcess {
  pid: number | undefined;
  exited: Promise<ArecordExit>;
  /**
   * SIGTERM, then SIGKILL if it has not exited after `graceMs`. arecord's SIGTERM handler only aborts the
   * PCM and lets the read loop end, which a read blocked in a plugin (a FIFO) never does, so the KILL matters.
   */
  stop(graceMs?: number): Promise<ArecordExit>;
}

/** Runs arecord as a subprocess (the I/O adapter): stdout bytes and stderr lines go to the handlers. */
export function startArecord(bin: string, args: string[], handlers: ArecordHandlers): ArecordProcess {
  let child: ChildProcess;
  const lines = new LineSplitter();
  const exited = new Promise<ArecordExit>((resolve) => {
    try {
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, signal: null, spawnError: err as NodeJS.ErrnoException });
      return;
    }
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: err });
    });
    child.stdout!.on('data', (d: Buffer) => handlers.data(d));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      for (const l of lines.push(d)) handlers.stderrLine(l);
    });
    // 'close': the process exited AND its stdout/stderr are drained, so no byte arrives after this
    child.once('close', (code, signal) => {
      for (const l of lines.flush()) handlers.stderrLine(l);
      resolve({ code, signal, ...(spawnError ? { spawnError } : {}) });
    });
  });
  return {
    get pid() {
      return child?.pid;
    },
    exited,
    async stop(graceMs = 1000) {
      if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      }
      return exited;
    },
  };
}
