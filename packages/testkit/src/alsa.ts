import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { counterSignal } from './counter-signal.ts';
import { FAKE_ARECORD_OPTIONS_ENV, type FakeArecordOptions } from './fake-arecord.ts';

/**
 * ALSA without hardware, for real-arecord tests: an ALSA `file` plugin PCM whose input is a FIFO, fed
 * by a writer at real-time pace, and a paced stand-in for the arecord binary for exact sample tests, both
 * giving the counter signal (counter-signal.ts).
 */

/** Creates a FIFO (Node has no mkfifo). */
export function makeFifo(path: string): void {
  if (existsSync(path)) return;
  const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr || r.error}`);
}

export interface TestPcm {
  /** PCM name for `device =` (and `arecord -D`). */
  name: string;
  fifo: string;
}

/**
 * Writes an ALSA configuration for ALSA_CONFIG_PATH: the system alsa.conf first, then one `file` plugin PCM
 * per name whose input is a FIFO in `dir` (created here). Returns the config path and the PCMs.
 */
export function writeAlsaTestConfig(
  dir: string,
  names: readonly string[] = ['testin'],
): { configPath: string; pcms: TestPcm[] } {
  const pcms = names.map((name) => ({ name, fifo: join(dir, `${name}.fifo`) }));
  const blocks = pcms.map(
    (p) => `pcm.${p.name} {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "${p.fifo}"
  format "raw"
  hint { show on; description "ISR test input fed through ${p.fifo}" }
}
`,
  );
  const configPath = join(dir, 'asound.conf');
  writeFileSync(configPath, `</usr/share/alsa/alsa.conf>\n${blocks.join('')}`);
  for (const p of pcms) makeFifo(p.fifo);
  return { configPath, pcms };
}

const F_SETPIPE_SZ = 1031;

/**
 * Feeds the counter signal into a test PCM's FIFO at real-time pace, one whole second per write.
 *
 * Why whole seconds: arecord on the file plugin reads one period (its default: 1/8 s) per read(); a short
 * read leaves the rest of the period stale (the previous period repeats), and at EOF it repeats stale data
 * as fast as it can. A second is a whole number of periods, and a write that fits into the pipe reaches the
 * reader at once, so every read is a full period. A second of 48 kHz stereo (192 000 bytes) exceeds Linux's
 * default 64 KiB pipe, so the pipe is enlarged to 1 MiB (F_SETPIPE_SZ, through perl: Node has no fcntl).
 *
 * Never close the FIFO while arecord still reads it (that is the EOF flood): stop the reader first, or
 * `pause()` and let capture-alsa's stall watchdog end arecord.
 */
export class FifoWriter {
  readonly fifo: string;
  readonly sampleRate: number;
  readonly channels: number;
  /** Frames written so far (the next frame's counter value). */
  framesWritten = 0;
  private fh: FileHandle | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  /** Aborted by pause() and stop(): ends the wait for the next second at once. */
  private halt = new AbortController();
  private stopAfterSeconds: number | null;

  constructor(opts: { fifo: string; sampleRate: number; channels: number; seconds?: number }) {
    this.fifo = opts.fifo;
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels;
    this.stopAfterSeconds = opts.seconds ?? null;
  }

  /** Opens the FIFO (waits for a reader: arecord) and writes a second at a time; returns once opened. */
  async start(openTimeoutMs = 30_000): Promise<void> {
    makeFifo(this.fifo);
    const opening = open(this.fifo, 'w');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no reader opened ${this.fifo} within ${openTimeoutMs} ms`)),
        openTimeoutMs,
      );
    });
    try {
      this.fh = await Promise.race([opening, timeout]);
    } finally {
      clearTimeout(timer);
    }
    const bytesPerSecond = this.sampleRate * this.channels * 2;
    if (bytesPerSecond > 65536) {
      const r = spawnSync('perl', ['-e', `fcntl(STDOUT, ${F_SETPIPE_SZ}, 1048576) or die "F_SETPIPE_SZ: $!\\n"`], {
        stdio: ['ignore', this.fh.fd, 'pipe'],
        encoding: 'utf8',
      });
      if (r.status !== 0)
        throw new Error(`cannot enlarge the FIFO's pipe to hold a second of audio: ${r.stderr || r.error}`);
    }
    this.running = true;
    this.halt = new AbortController();
    this.loop = this.run(this.fh);
  }

  private async run(fh: FileHandle): Promise<void> {
    const t0 = performance.now();
    let second = 0;
    while (this.running) {
      if (this.stopAfterSeconds !== null && second >= this.stopAfterSeconds) break;
      const buf = counterSignal(this.framesWritten, this.sampleRate, this.channels);
      try {
        await fh.write(buf);
      } catch (err) {
        throw new Error(
          `FifoWriter: the reader of ${this.fifo} went away while audio was being written (${(err as Error).message})`,
          { cause: err },
        );
      }
      this.framesWritten += this.sampleRate;
      second++;
      const wait = t0 + second * 1000 - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.halt.signal }).catch(() => undefined);
    }
  }

  /** Resolves when the configured number of seconds has been written. */
  async finished(): Promise<void> {
    await this.loop;
  }

  /**
   * The device "vanishes": stop writing but keep the FIFO open (so arecord blocks instead of reading EOF);
   * with `unlink`, remove the FIFO too, so a restarted arecord fails to open the device.
   */
  async pause(opts: { unlink?: boolean } = {}): Promise<void> {
    this.running = false;
    this.halt.abort();
    await this.loop;
    if (opts.unlink && existsSync(this.fifo)) unlinkSync(this.fifo);
  }

  /** The device returns: a new FIFO at the same path, the count continues where it stopped (with no end). */
  async resume(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
    this.stopAfterSeconds = null;
    await this.start();
  }

  /** Stops writing and closes the FIFO. Stop arecord's reader first (see the class comment). */
  async stop(): Promise<void> {
    this.running = false;
    this.halt.abort();
    await this.loop;
    await this.fh?.close();
    this.fh = null;
  }
}

/** A single-quoted shell word. */
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Writes a paced stand-in for the arecord binary (for `arecord_path`): it prints the counter signal as raw
 * s16le at the `-r`/`-c` it is given, at real-time pace, in odd-sized writes; an honest fake at the
 * soundcard edge for exact sample-by-sample tests of capture-alsa.
 */
export function writeFakeArecord(dir: string, opts: FakeArecordOptions = {}, name = 'fake-arecord'): string {
  const path = join(dir, name);
  const optionsFile = `${path}.json`;
  writeFileSync(optionsFile, JSON.stringify(opts));
  // fake-arecord.ts beside this module (fake-arecord.js in a build), run by this Node; exec keeps the pid, so
  // the capture's signals reach the program
  const program = fileURLToPath(new URL(`./fake-arecord${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  writeFileSync(
    path,
    `#!/bin/sh\n${FAKE_ARECORD_OPTIONS_ENV}=${shellQuote(optionsFile)} exec ${shellQuote(process.execPath)} ${shellQuote(program)} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
