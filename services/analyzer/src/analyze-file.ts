import { open, stat } from 'node:fs/promises';
import { FLAC_STREAMINFO_END, FlacHeaderError, readStreamInfo } from '@isr/audio';
import type { AnalysisRecord } from '@isr/contract';
import { decodeFfmpeg, type FfmpegPaths } from './decode-ffmpeg.ts';
import { decodeFlac } from './decode-flac.ts';
import { decodeWav } from './decode-wav.ts';
import type { DecodedAudio } from './decoded-audio.ts';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { AnalysisParams } from './params.ts';
import { buildRecord, errorRecord } from './record.ts';
import { SignalAnalyzer } from './signal-analyzer.ts';

export interface AnalyzeFileInput {
  /** Absolute path of the recording. */
  file: string;
  /** Path relative to output_directory (the record's key). */
  path: string;
  source: string;
  params: AnalysisParams;
  tools: FfmpegPaths;
  now: () => Date;
  /** Who decodes native FLAC: libFLAC on a worker thread (the default) or ffmpeg through a pipe (bench/analyzer.ts compares them). */
  flacDecoder?: 'libflac' | 'ffmpeg';
}

/** The first bytes of a file: enough for its magic and, in a FLAC file, STREAMINFO. */
async function sniff(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(FLAC_STREAMINFO_END);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Total samples from a FLAC file's STREAMINFO (0 = unknown, or STREAMINFO is not the first block). ffmpeg's FLAC
 * parser silently skips frames it cannot decode, so comparing the decoded count with this is how a corrupt FLAC is noticed.
 */
function flacTotalSamples(head: Buffer): number {
  try {
    return readStreamInfo(head).totalSamples;
  } catch (err) {
    if (err instanceof FlacHeaderError) return 0;
    throw err;
  }
}

/** A FLAC file that fails to decode is a corrupt archive file. */
function asFlacCorrupt(err: unknown): unknown {
  return err instanceof AnalysisError && err.code === AnalysisErrorCodes.decodeFailed
    ? new AnalysisError(AnalysisErrorCodes.flacCorrupt, err.message, { cause: err })
    : err;
}

const magic = (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4));

/**
 * Analyzes one file in a single streaming pass and returns its record. Whatever is wrong with the file
 * (missing, empty, truncated, corrupt, unknown) becomes a record with `error: {code, message}`; this function
 * only throws for programming errors.
 */
export async function analyzeFile(input: AnalyzeFileInput): Promise<AnalysisRecord> {
  const base = { path: input.path, source: input.source, analyzedAt: input.now().toISOString() };
  let bytes: number | undefined;
  try {
    try {
      bytes = (await stat(input.file)).size;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new AnalysisError(
          AnalysisErrorCodes.notFound,
          `${input.path} does not exist (deleted before it was analyzed?)`,
        );
      throw new AnalysisError(AnalysisErrorCodes.readFailed, `cannot stat ${input.path}: ${code ?? String(cause)}`, {
        cause,
      });
    }
    if (bytes === 0) throw new AnalysisError(AnalysisErrorCodes.empty, 'the file is empty');
    const head = await sniff(input.file);
    const kind = magic(head);
    let audio: DecodedAudio;
    if (kind === 'RIFF' || kind === 'RF64') audio = await decodeWav(input.file);
    else if (kind === 'fLaC' && input.flacDecoder !== 'ffmpeg')
      audio = await decodeFlac(input.file).catch((err: unknown) => {
        throw asFlacCorrupt(err);
      });
    else audio = await decodeFfmpeg(input.file, input.tools);
    const analyzer = new SignalAnalyzer(audio.sampleRate, audio.channels, input.params.windowSeconds);
    try {
      for await (const b of audio.blocks) analyzer.push(b.samples, b.frames);
    } catch (err) {
      throw kind === 'fLaC' ? asFlacCorrupt(err) : err;
    }
    const m = analyzer.finish();
    // A lossless archive file with decode errors is corrupt, even when the decoder carried on (ffmpeg skips bad frames).
    if (kind === 'fLaC') {
      const total = flacTotalSamples(head);
      if (total && total !== m.frames)
        throw new AnalysisError(
          AnalysisErrorCodes.flacCorrupt,
          `STREAMINFO says ${total} samples but ${m.frames} decoded: frames are corrupt or missing`,
        );
      const complaint = audio.warnings.find((w) => w.startsWith('decoder:'));
      if (complaint)
        throw new AnalysisError(AnalysisErrorCodes.flacCorrupt, `FLAC stream has errors: ${complaint.slice(9).trim()}`);
    }
    if (m.frames === 0) throw new AnalysisError(AnalysisErrorCodes.noAudio, 'the file holds no audio samples');
    return buildRecord({ ...base, bytes }, audio, m, input.params);
  } catch (err) {
    if (err instanceof AnalysisError)
      return errorRecord({ ...base, ...(bytes !== undefined ? { bytes } : {}) }, err.code, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
      return errorRecord(base, AnalysisErrorCodes.readFailed, `reading ${input.path} failed: ${code}`);
    throw err;
  }
}
