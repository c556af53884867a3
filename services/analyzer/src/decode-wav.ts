import { open } from 'node:fs/promises';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { DecodedAudio } from './decoded-audio.ts';
import { PcmDecoder } from './pcm-decoder.ts';
import { bytesPerSample, wavLayout } from './wav-layout.ts';

const READ_BYTES = 1 << 20;

/** Streams a WAV/RF64 file through our own chunk walker and PCM decoder: one 1 MiB buffer, reused. */
export async function decodeWav(path: string): Promise<DecodedAudio> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const layout = await wavLayout(async (offset, length) => {
      const b = new Uint8Array(length);
      const { bytesRead } = await fh.read(b, 0, length, offset);
      return b.subarray(0, bytesRead);
    }, size);
    const frameBytes = layout.channels * bytesPerSample(layout.sampleFormat);
    const pcm = new PcmDecoder(layout.sampleFormat, layout.channels);
    const chunk = Math.max(frameBytes, READ_BYTES - (READ_BYTES % frameBytes));
    const blocks = async function* () {
      // Two buffers: the next read is under way while the current block is being analysed.
      const bufs = [new Uint8Array(chunk), new Uint8Array(chunk)];
      const end = layout.dataOffset + layout.dataBytes;
      let pos = layout.dataOffset;
      let which = 0;
      const readNext = () => {
        const want = Math.min(chunk, end - pos);
        const p = want > 0 ? fh.read(bufs[which]!, 0, want, pos).then((r) => ({ buf: bufs[r.buffer === bufs[0] ? 0 : 1]!, n: r.bytesRead, want })) : null;
        pos += want;
        which ^= 1;
        return p;
      };
      let pending = readNext();
      try {
        while (pending) {
          const { buf, n, want } = await pending;
          pending = n === want ? readNext() : null;
          if (n < want) layout.warnings.push(`file shrank while being read: stopped ${end - pos + want - n} bytes early`);
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
      codec: layout.sampleFormat.startsWith('f') ? `pcm_f${layout.bitsPerSample}le` : layout.sampleFormat === 'u8' ? 'pcm_u8' : `pcm_s${layout.bitsPerSample}le`,
      decoder: 'wav-reader',
      sampleRate: layout.sampleRate,
      channels: layout.channels,
      bitsPerSample: layout.bitsPerSample,
      warnings: layout.warnings,
      blocks: blocks(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
