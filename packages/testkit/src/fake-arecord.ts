// A paced stand-in for the arecord binary (see writeFakeArecord in alsa.ts, which writes the launcher that runs
// this file with its options): prints the counter signal as raw s16le at the `-r`/`-c` it is given, at real-time
// pace, in odd-sized writes. Run by Node as it is (type stripping), so it imports only node: and counter-signal.ts.
import { appendFileSync, existsSync, readFileSync, writeSync } from 'node:fs';
import { counterSample } from './counter-signal.ts';

export interface FakeArecordOptions {
  /** Exit after this many seconds of audio (default: run until killed). */
  seconds?: number;
  exitCode?: number;
  /** Printed on stderr just before that exit (like arecord's "read error: No such device"). */
  stderr?: string;
  /** Printed on stderr at start, before any audio (like "Warning: rate is not accurate …"). */
  stderrAtStart?: string;
  /** Continue the counter across runs (each run appends its next start frame here). */
  stateFile?: string;
  /** Appends each run's argv as a JSON line. */
  argsLog?: string;
}

/** The environment variable naming the JSON file of a fake's options. */
export const FAKE_ARECORD_OPTIONS_ENV = 'ISR_FAKE_ARECORD_OPTIONS';
/** Bytes per write to stdout, deliberately not a whole number of frames. */
const PIECE = 997;

function run(opts: FakeArecordOptions, argv: readonly string[]): void {
  const arg = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1]! : fallback;
  };
  if (opts.argsLog) appendFileSync(opts.argsLog, JSON.stringify(argv) + '\n');
  if (opts.stderrAtStart) process.stderr.write(opts.stderrAtStart + '\n');
  const rate = Number(arg('-r', '8000'));
  const ch = Number(arg('-c', '1'));
  const start =
    opts.stateFile && existsSync(opts.stateFile)
      ? Number(readFileSync(opts.stateFile, 'utf8').trim().split('\n').pop() || 0)
      : 0;
  const limit = opts.seconds === undefined ? Infinity : Math.round(opts.seconds * rate);
  const t0 = Date.now();
  let frames = 0;
  let pending = Buffer.alloc(0);
  const tick = () => {
    const due = Math.min(limit, Math.floor(((Date.now() - t0) / 1000) * rate));
    if (due > frames) {
      const b = Buffer.alloc((due - frames) * ch * 2);
      for (let i = 0; i < due - frames; i++)
        for (let c = 0; c < ch; c++) b.writeInt16LE(counterSample(start + frames + i, c), (i * ch + c) * 2);
      frames = due;
      if (opts.stateFile) appendFileSync(opts.stateFile, String(start + frames) + '\n');
      pending = Buffer.concat([pending, b]);
      while (pending.length >= PIECE) {
        writeSync(1, pending.subarray(0, PIECE));
        pending = pending.subarray(PIECE);
      }
    }
    if (frames >= limit) {
      if (pending.length) writeSync(1, pending);
      if (opts.stderr) process.stderr.write(opts.stderr + '\n');
      process.exit(opts.exitCode ?? 0);
    }
  };
  setInterval(tick, 20);
}

if (import.meta.main) {
  const file = process.env[FAKE_ARECORD_OPTIONS_ENV];
  run(file ? (JSON.parse(readFileSync(file, 'utf8')) as FakeArecordOptions) : {}, process.argv.slice(2));
}
