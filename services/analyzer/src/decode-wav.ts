import { open } from 'node:fs/promises';
import {
  AudioErrorCodes,
  readWavLayout,
  wavDataEnd,
  wavDataExtent,
  WavHeaderError,
  type SampleFormat,
  type WavLayout,
} from '@isr/audio';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { DecodedAudio } from './decoded-audio.ts';
import { PcmDecoder } from './pcm-decoder.ts';

const READ_BYTES = 1 << 20;

/** The layout from @isr/audio's WAV reader, its errors as the analyzer's codes. */
async function wavLayoutOf(
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
  size: number,
): Promise<WavLayout> {
  if (size === 0) throw new AnalysisError(AnalysisErrorCodes.empty, 'the file is empty');
  try {
    return await readWavLayout(readAt, size);
  } catch (err) {
    if (!(err instanceof WavHeaderError)) throw err;
    const code =
      err.code === AudioErrorCodes.wavTruncated ? AnalysisErrorCodes.wavTruncated : AnalysisErrorCodes.wavInvalid;
    throw new AnalysisError(code, err.message, { cause: err });
  }
}

function supported(layout: WavLayout): SampleFormat {
  if (layout.sampleFormat) return layout.sampleFormat;
  throw new AnalysisError(
    AnalysisErrorCodes.wavUnsupported,
    `WAV format tag ${layout.formatTag} with ${layout.bitsPerSample} bits per sample is not supported (PCM 8/16/24/32-bit and float 32/64-bit are)`,
  );
}

/** Streams a WAV/RF64 file through @isr/audio's WAV reader and our PCM decoder: one 1 MiB buffer, reused. */
export async function decodeWav(path: string): Promise<DecodedAudio> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const readAt = async (offset: number, length: number) => {
      const b = new Uint8Array(length);
      const { bytesRead } = await fh.read(b, 0, length, offset);
      return b.subarray(0, bytesRead);
    };
    const layout = await wavLayoutOf(readAt, size);
    const sampleFormat = supported(layout);
    const end = wavDataEnd(layout);
    const extent = wavDataExtent(layout, size, end + 8 <= size ? await readAt(end, 8) : undefined);
    const frameBytes = layout.blockAlign;
    const pcm = new PcmDecoder(sampleFormat, layout.channels);
    const chunk = Math.max(frameBytes, READ_BYTES - (READ_BYTES % frameBytes));
    const blocks = async function* () {
      // Two buffers: the next read is under way while the current block is being analyzed.
      const bufs = [new Uint8Array(chunk), new Uint8Array(chunk)];
      const end = layout.dataOffset + extent.bytes;
      let pos = layout.dataOffset;
      let which = 0;
      const readNext = () => {
        const want = Math.min(chunk, end - pos);
        const p =
          want > 0
            ? fh
                .read(bufs[which]!, 0, want, pos)
                .then((r) => ({ buf: bufs[r.buffer === bufs[0] ? 0 : 1]!, n: r.bytesRead, want }))
            : null;
        pos += want;
        which ^= 1;
        return p;
      };
      let pending = readNext();
      try {
        while (pending) {
          const { buf, n, want } = await pending;
          pending = n === want ? readNext() : null;
          if (n < want)
            extent.warnings.push(`file shrank while being read: stopped ${end - pos + want - n} bytes early`);
          const out = pcm.decode(buf.subarray(0, n));
          if (out.frames > 0) yield out;
        }
      } catch (cause) {
        throw new AnalysisError(AnalysisErrorCodes.readFailed, `reading ${path} failed: ${String(cause)}`, { cause });
      } finally {
        await pending?.catch(() => undefined);
        await fh.close();
      }
    };
    return {
      container: 'wav',
      codec: sampleFormat.startsWith('f')
        ? `pcm_f${layout.bitsPerSample}le`
        : sampleFormat === 'u8'
          ? 'pcm_u8'
          : `pcm_s${layout.bitsPerSample}le`,
      decoder: 'wav-reader',
      sampleRate: layout.sampleRate,
      channels: layout.channels,
      bitsPerSample: layout.bitsPerSample,
      warnings: extent.warnings,
      blocks: blocks(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
