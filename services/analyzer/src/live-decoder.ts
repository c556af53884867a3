import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { PcmDecoder } from './pcm-decoder.ts';

/** ffmpeg demuxer names of the compressed chunk formats. */
const DEMUXERS: Record<string, string> = { mp3: 'mp3', aac: 'aac', ogg: 'ogg', flac: 'flac' };

export function isLiveDecodable(format: string): boolean {
  return format in DEMUXERS;
}

export interface LiveDecoderOptions {
  ffmpeg: string;
  format: string;
  sampleRate: number;
  channels: number;
  /** Codec header bytes to feed first (Ogg header pages, FLAC `fLaC` + metadata) from KV isr_codec. */
  init?: Uint8Array;
  onPcm(samples: Float32Array, frames: number): void;
  onExit(code: number | null, stderr: string): void;
}

/**
 * Decodes one compressed source session live: chunk bytes go into a long-running
 * `ffmpeg -f <fmt> -i pipe:0 -f f32le pipe:1` with minimal probing (≈0.2 s latency) and the float samples come
 * back to `onPcm`. One process per compressed source; it ends with the session (or when idle).
 */
export class LiveDecoder {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly pcm: PcmDecoder;
  private stderr = '';
  private ended = false;

  constructor(o: LiveDecoderOptions) {
    this.pcm = new PcmDecoder('f32', o.channels);
    const args = [
      '-v',
      'error',
      '-nostdin',
      '-probesize',
      '32',
      '-analyzeduration',
      '0',
      '-fflags',
      'nobuffer',
      '-f',
      DEMUXERS[o.format] ?? o.format,
      '-i',
      'pipe:0',
      '-f',
      'f32le',
      '-ac',
      String(o.channels),
      '-ar',
      String(o.sampleRate),
      'pipe:1',
    ];
    this.child = spawn(o.ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => undefined); // EPIPE after ffmpeg gave up: reported through onExit
    this.child.stdout.on('data', (d: Buffer) => {
      const out = this.pcm.decode(d);
      if (out.frames > 0) o.onPcm(out.samples, out.frames);
    });
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 2000) this.stderr += d.toString();
    });
    this.child.once('error', (err) => {
      this.stderr += String(err);
    });
    this.child.once('close', (code) => {
      this.ended = true;
      o.onExit(code, this.stderr.trim());
    });
    if (o.init?.length) this.child.stdin.write(o.init);
  }

  get alive(): boolean {
    return !this.ended;
  }

  write(bytes: Uint8Array): void {
    if (!this.ended) this.child.stdin.write(bytes);
  }

  close(): void {
    if (this.ended) return;
    this.child.stdin.end();
    setTimeout(() => {
      if (!this.ended) this.child.kill('SIGKILL');
    }, 2000).unref();
  }
}
