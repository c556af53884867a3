import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { AudioBlock, DecodedAudio } from './decoded-audio.ts';
import { PcmDecoder } from './pcm-decoder.ts';

const READ_BYTES = 1 << 18;

export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

interface ProbeStream {
  codec_name?: string;
  codec_type?: string;
  sample_rate?: string;
  channels?: number;
  sample_fmt?: string;
  bits_per_raw_sample?: string;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first audio stream of a file, per ffprobe, or UNKNOWN_FORMAT. */
async function probe(
  path: string,
  paths: FfmpegPaths,
): Promise<{
  container: string;
  codec: string;
  sampleRate: number;
  channels: number;
  sampleFmt: string;
  bits: number | null;
}> {
  const r = await run(paths.ffprobe, [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name,codec_type,sample_rate,channels,sample_fmt,bits_per_raw_sample:format=format_name',
    '-of',
    'json',
    path,
  ]);
  let parsed: { streams?: ProbeStream[]; format?: { format_name?: string } } = {};
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    // fall through: no streams
  }
  const a = parsed.streams?.find((s) => s.codec_type === 'audio');
  if (r.code !== 0 || !a || !a.codec_name || !a.sample_rate || !a.channels) {
    throw new AnalysisError(
      AnalysisErrorCodes.unknownFormat,
      `no decodable audio stream (ffprobe: ${r.stderr.trim().split('\n').slice(-1)[0] || 'no audio stream'})`,
    );
  }
  const bits = Number(a.bits_per_raw_sample);
  return {
    container: (parsed.format?.format_name ?? 'unknown').split(',')[0]!,
    codec: a.codec_name,
    sampleRate: Number(a.sample_rate),
    channels: a.channels,
    sampleFmt: a.sample_fmt ?? '',
    bits: bits > 0 ? bits : null,
  };
}

/**
 * Decodes any format ffmpeg knows (MP3, AAC/ADTS, Ogg Vorbis/Opus/FLAC, FLAC, …) in a subprocess that runs in
 * parallel with the analysis: `ffmpeg -v error -i FILE -map 0:a:0 -f s16le|f32le FIFO`. 16-bit sources come as
 * s16le (half the traffic, still exact), everything else as f32le. The samples arrive through a named pipe read
 * into two reused buffers (a Node stream would allocate a new 64 KiB Buffer per read: garbage, and RSS). Samples
 * are counted as decoded, so an Ogg file cut from a live stream (granules not starting at 0) gets its true duration.
 */
export async function decodeFfmpeg(path: string, paths: FfmpegPaths): Promise<DecodedAudio> {
  const info = await probe(path, paths);
  const s16 = info.sampleFmt === 's16' || info.sampleFmt === 's16p';
  const dir = await mkdtemp(join(tmpdir(), 'isr-analyzer-'));
  const fifo = join(dir, 'pcm.fifo');
  const made = await run('mkfifo', ['-m', '600', fifo]);
  if (made.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mkfifo failed: ${made.stderr}`);
  }
  const args = [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-i',
    path,
    '-map',
    '0:a:0',
    '-f',
    s16 ? 's16le' : 'f32le',
    '-ac',
    String(info.channels),
    fifo,
  ];
  const child = spawn(paths.ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  let opened = false;
  const closed = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      stderr += String(err);
      resolve(-1);
    });
    child.once('close', (code) => resolve(code));
  });
  // Opening a FIFO for reading waits for its writer: if ffmpeg dies before opening it, be the writer ourselves.
  void closed.then(async () => {
    if (!opened)
      await open(fifo, 'w').then(
        (w) => w.close(),
        () => undefined,
      );
  });
  const pcm = new PcmDecoder(s16 ? 's16' : 'f32', info.channels);
  const warnings: string[] = [];
  const blocks = async function* (): AsyncGenerator<AudioBlock> {
    let done = false;
    let fh: FileHandle | undefined;
    let pending: Promise<{ buf: Uint8Array; n: number }> | undefined;
    try {
      fh = await open(fifo, 'r');
      opened = true;
      const bufs = [new Uint8Array(READ_BYTES), new Uint8Array(READ_BYTES)];
      let which = 0;
      const reader = fh;
      const readNext = () => {
        const buf = bufs[which]!;
        which ^= 1;
        return reader.read(buf, 0, buf.length, null).then((r) => ({ buf, n: r.bytesRead }));
      };
      pending = readNext();
      for (;;) {
        const { buf, n } = await pending;
        if (n === 0) break;
        pending = readNext();
        const out = pcm.decode(buf.subarray(0, n));
        if (out.frames > 0) yield out;
      }
      pending = undefined;
      const code = await closed;
      done = true;
      const msg = stderr.trim();
      if (code !== 0)
        throw new AnalysisError(
          AnalysisErrorCodes.decodeFailed,
          `ffmpeg exited with ${code}: ${msg.split('\n').slice(-3).join(' | ') || 'no message'}`,
        );
      if (msg) warnings.push(`decoder: ${msg.split('\n').slice(0, 3).join(' | ')}`);
    } finally {
      if (!done) child.kill('SIGKILL');
      await pending?.catch(() => undefined);
      await fh?.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  return {
    container: info.container,
    codec: info.codec,
    decoder: 'ffmpeg',
    sampleRate: info.sampleRate,
    channels: info.channels,
    bitsPerSample: info.bits,
    warnings,
    blocks: blocks(),
  };
}
