import { AnalysisError, AnalysisErrorCodes } from './errors.ts';

/**
 * Where the audio of a WAV/RF64 file is, found by walking the RIFF chunks in whatever order they come (fmt,
 * bext, LIST, data, …) by their headers only. Tolerates what a crash leaves: a data size of 0 or 0xFFFFFFFF,
 * a size beyond the end of the file, or a size smaller than the audio that follows (the header was not rewritten):
 * the audio then runs to the end of the file, and a warning says so.
 * https://www.mmsp.ece.mcgill.ca/Documents/AudioFormats/WAVE/WAVE.html — EBU Tech 3306 (RF64), EBU Tech 3285 (bext).
 */
export type SampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export interface WavLayout {
  sampleRate: number;
  channels: number;
  sampleFormat: SampleFormat;
  bitsPerSample: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of audio (whole frames only). */
  dataBytes: number;
  /** Chunk ids in file order, e.g. ['bext', 'fmt ', 'data']. */
  chunks: string[];
  warnings: string[];
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
const isChunkId = (id: string) => /^[\x20-\x7e]{4}$/.test(id);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const u64 = (b: Uint8Array, at: number) => Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true));

function invalid(message: string): AnalysisError {
  return new AnalysisError(AnalysisErrorCodes.wavInvalid, message);
}

function parseFmt(b: Uint8Array): { sampleRate: number; channels: number; bitsPerSample: number; sampleFormat: SampleFormat } {
  if (b.length < 16) throw invalid(`fmt chunk is ${b.length} bytes, needs at least 16`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let tag = dv.getUint16(0, true);
  const channels = dv.getUint16(2, true);
  const sampleRate = dv.getUint32(4, true);
  const bitsPerSample = dv.getUint16(14, true);
  if (tag === 0xfffe && b.length >= 26) tag = dv.getUint16(24, true); // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag
  if (channels < 1 || sampleRate < 1) throw invalid(`fmt chunk says ${channels} channels at ${sampleRate} Hz`);
  const fmt = tag === 1 ? ({ 8: 'u8', 16: 's16', 24: 's24', 32: 's32' } as const)[bitsPerSample as 8] : tag === 3 ? ({ 32: 'f32', 64: 'f64' } as const)[bitsPerSample as 32] : undefined;
  if (!fmt) throw new AnalysisError(AnalysisErrorCodes.wavUnsupported, `WAV format tag ${tag} with ${bitsPerSample} bits per sample is not supported (PCM 8/16/24/32-bit and float 32/64-bit are)`);
  return { sampleRate, channels, bitsPerSample, sampleFormat: fmt };
}

export const bytesPerSample = (f: SampleFormat): number => ({ u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 })[f];

export async function wavLayout(readAt: ReadAt, fileSize: number): Promise<WavLayout> {
  if (fileSize === 0) throw new AnalysisError(AnalysisErrorCodes.empty, 'the file is empty');
  const head = await readAt(0, 12);
  if (head.length < 12) throw new AnalysisError(AnalysisErrorCodes.wavTruncated, `the file is ${fileSize} bytes, shorter than a RIFF header`);
  const riff = ascii(head, 0);
  if ((riff !== 'RIFF' && riff !== 'RF64') || ascii(head, 8) !== 'WAVE') throw invalid(`not a RIFF/WAVE file (starts with "${riff}")`);
  const warnings: string[] = [];
  const chunks: string[] = [];
  let fmt: ReturnType<typeof parseFmt> | undefined;
  let ds64Data: number | undefined;
  let data: { offset: number; bytes: number } | undefined;
  let at = 12;
  while (at + 8 <= fileSize) {
    const h = await readAt(at, 8);
    if (h.length < 8) break;
    const id = ascii(h, 0);
    const size = u32(h, 4);
    if (!isChunkId(id)) {
      if (data) break; // handled below: audio after a too-small data size
      throw invalid(`bad chunk header at byte ${at}`);
    }
    chunks.push(id);
    const body = at + 8;
    if (id === 'data') {
      let bytes = size;
      if (riff === 'RF64' && size === 0xffffffff && ds64Data !== undefined) bytes = ds64Data;
      else if (size === 0 || size === 0xffffffff) {
        bytes = fileSize - body;
        warnings.push(`data chunk size is ${size} (header not finalised); reading to the end of the file`);
      }
      if (body + bytes > fileSize) {
        warnings.push(`data chunk declares ${bytes} bytes but the file ends after ${fileSize - body}: truncated, reading what is there`);
        bytes = fileSize - body;
      }
      data = { offset: body, bytes };
      at = body + bytes + (bytes & 1);
      if (at < fileSize && at + 8 <= fileSize) {
        const next = await readAt(at, 8);
        const nid = ascii(next, 0);
        if (!isChunkId(nid) || at + 8 + u32(next, 4) > fileSize) {
          warnings.push(`data chunk declares ${bytes} bytes but audio continues to the end of the file; reading it all`);
          data.bytes = fileSize - body;
          break;
        }
      }
      continue;
    }
    if (body + size > fileSize) {
      if (!fmt || !data) throw new AnalysisError(AnalysisErrorCodes.wavTruncated, `chunk "${id}" at byte ${at} runs past the end of the file and no audio was found before it`);
      warnings.push(`chunk "${id}" runs past the end of the file`);
      break;
    }
    if (id === 'fmt ') fmt = parseFmt(await readAt(body, Math.min(size, 64)));
    else if (id === 'ds64' && size >= 16) ds64Data = u64(await readAt(body, 16), 8);
    at = body + size + (size & 1);
  }
  if (!fmt) throw invalid('no fmt chunk');
  if (!data) throw new AnalysisError(AnalysisErrorCodes.wavTruncated, 'no data chunk: the file holds no audio');
  const frameBytes = fmt.channels * bytesPerSample(fmt.sampleFormat);
  const whole = data.bytes - (data.bytes % frameBytes);
  if (whole !== data.bytes) warnings.push(`audio ends with a partial frame (${data.bytes % frameBytes} bytes), ignored`);
  return { ...fmt, dataOffset: data.offset, dataBytes: whole, chunks, warnings };
}
