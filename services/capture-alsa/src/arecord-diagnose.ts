import type { ArecordExit } from './arecord-process.ts';

/** What one line of arecord's stderr means for the user (pure). */
export interface StderrVerdict {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** The line with a hint of what to do, for logs and isr_status. */
  message: string;
  /** The session cannot record correctly: stop this arecord and restart later (with backoff). */
  fatal: boolean;
  /** arecord reported lost samples (overrun). */
  overrun: boolean;
}

const HINTS: [RegExp, string][] = [
  [/Device or resource busy/i, 'the device is busy: another program records from it (share it with a dsnoop PCM, see README "shared_mic")'],
  [/No such device|No such file or directory/i, 'the device is gone or does not exist (unplugged? wrong device name?)'],
  [/Unknown PCM/i, 'ALSA knows no PCM of that name (see --list-devices)'],
  [/Sample format non available/i, 'the device cannot record 16-bit samples: use a plughw: device'],
  [/Channels count non available/i, 'the device cannot record that many channels: change channels or use a plughw: device'],
  [/rate is not accurate/i, 'the device does not support this sample_rate: change sample_rate or use a plughw: device'],
  [/Permission denied/i, 'no permission to open the device: add the user to the "audio" group'],
];

/** Classifies a stderr line of arecord. */
export function diagnoseStderrLine(line: string): StderrVerdict {
  const text = line.trim();
  if (/^Recording (raw data|WAVE)/.test(text)) return { level: 'debug', message: text, fatal: false, overrun: false };
  if (/^Aborted by signal/i.test(text)) return { level: 'debug', message: text, fatal: false, overrun: false };
  if (/overrun!!!/i.test(text)) return { level: 'warn', message: `${text}: samples were lost (the machine was too busy to read the device in time)`, fatal: false, overrun: true };
  const hint = HINTS.find(([re]) => re.test(text));
  const fatal = /rate is not accurate/i.test(text);
  if (hint) return { level: 'error', message: `${text}: ${hint[1]}`, fatal, overrun: false };
  if (/error|fail|cannot|unable/i.test(text)) return { level: 'error', message: text, fatal: false, overrun: false };
  return { level: 'warn', message: text, fatal: false, overrun: false };
}

/** Splits a byte stream into lines (pure, incremental). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
  flush(): string[] {
    const r = this.rest.trim();
    this.rest = '';
    return r ? [r] : [];
  }
}

/** Why a session ended, for the log and isr_status (pure). */
export function describeArecordExit(exit: ArecordExit, ctx: { arecordPath: string; stopping: boolean; stopReason: string | null; lastError: string | null }): string {
  if (exit.spawnError) {
    return exit.spawnError.code === 'ENOENT'
      ? `arecord not found at "${ctx.arecordPath}": install alsa-utils or set arecord_path`
      : `cannot start arecord "${ctx.arecordPath}": ${exit.spawnError.message}`;
  }
  if (ctx.stopping) return 'stopped';
  if (ctx.stopReason) return ctx.stopReason;
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return ctx.lastError ? `${ctx.lastError} (arecord ${how})` : `arecord ended (${how})`;
}
