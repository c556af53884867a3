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

/** Known arecord errors, the hint for each, and whether the session cannot record correctly. */
const HINTS: { re: RegExp; hint: string; fatal?: true }[] = [
  {
    re: /Device or resource busy/i,
    hint: 'the device is busy: another program records from it (share it with a dsnoop PCM, see docs/configuration.md, "shared_mic")',
  },
  {
    re: /No such device|No such file or directory/i,
    hint: 'the device is gone or does not exist (unplugged? wrong device name?)',
  },
  { re: /Unknown PCM/i, hint: 'ALSA knows no PCM of that name (see --list-devices)' },
  { re: /Sample format non available/i, hint: 'the device cannot record 16-bit samples: use a plughw: device' },
  {
    re: /Channels count non available/i,
    hint: 'the device cannot record that many channels: change channels or use a plughw: device',
  },
  {
    re: /rate is not accurate/i,
    hint: 'the device does not support this sample_rate: change sample_rate or use a plughw: device',
    fatal: true,
  },
  { re: /Permission denied/i, hint: 'no permission to open the device: add the user to the "audio" group' },
];

/** Classifies a stderr line of arecord. */
export function diagnoseStderrLine(line: string): StderrVerdict {
  const text = line.trim();
  if (/^Recording (raw data|WAVE)/.test(text)) return { level: 'debug', message: text, fatal: false, overrun: false };
  if (/^Aborted by signal/i.test(text)) return { level: 'debug', message: text, fatal: false, overrun: false };
  if (/overrun!!!/i.test(text))
    return {
      level: 'warn',
      message: `${text}: samples were lost (the machine was too busy to read the device in time)`,
      fatal: false,
      overrun: true,
    };
  const known = HINTS.find(({ re }) => re.test(text));
  if (known) return { level: 'error', message: `${text}: ${known.hint}`, fatal: known.fatal ?? false, overrun: false };
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
export function describeArecordExit(
  exit: ArecordExit,
  ctx: { arecordPath: string; stopping: boolean; stopReason: string | null; lastError: string | null },
): string {
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
