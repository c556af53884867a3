import { splitOggPages } from '@isr/audio';
import { ContractError, type AudioChunkMeta, type AudioUnit } from '@isr/contract';

/**
 * Checks a chunk's body against its headers before anything is written; a mismatch is a ContractError (the
 * message is poison and gets terminated). Returns the codec units of a compressed chunk (one whole Ogg page
 * each for Ogg), null for PCM.
 */
export function validateChunk(meta: AudioChunkMeta, data: Uint8Array): AudioUnit[] | null {
  if (meta.format === 'pcm') {
    if (meta.codec !== 'pcm_s16le')
      throw new ContractError(`PCM chunk with codec ${meta.codec}; only pcm_s16le is supported`);
    const need = meta.frames * meta.channels * 2;
    if (data.length !== need)
      throw new ContractError(
        `PCM chunk body is ${data.length} bytes, headers say ${meta.frames} frames × ${meta.channels} channels × 2 = ${need}`,
      );
    return null;
  }
  const units = meta.units ?? [{ bytes: data.length, samples: meta.frames }];
  const bytes = units.reduce((a, u) => a + u.bytes, 0);
  if (bytes !== data.length)
    throw new ContractError(`compressed chunk body is ${data.length} bytes, Isr-Units add up to ${bytes}`);
  if (meta.format !== 'ogg') return units;
  // Ogg: each unit must be one whole page (the sink rewrites pages one by one). Without Isr-Units the pages
  // are found here and the chunk's samples credited to its last page.
  const pages: AudioUnit[] = [];
  let pos = 0;
  for (const u of units) {
    const unitPages: number[] = [];
    try {
      for (const p of splitOggPages(data.subarray(pos, pos + u.bytes))) unitPages.push(p.bytes.length);
    } catch (cause) {
      throw new ContractError(`Ogg chunk: ${(cause as Error).message}`, { cause });
    }
    if (meta.units && unitPages.length !== 1)
      throw new ContractError(
        `Ogg chunk: an Isr-Units entry of ${u.bytes} bytes holds ${unitPages.length} pages, not one`,
      );
    unitPages.forEach((b, i) => pages.push({ bytes: b, samples: i === unitPages.length - 1 ? u.samples : 0 }));
    pos += u.bytes;
  }
  return pages;
}

/** The frames a chunk carries: its units' samples (compressed), else its PCM frames. */
export function chunkFrames(meta: AudioChunkMeta, units: readonly AudioUnit[] | null): number {
  return units ? units.reduce((a, u) => a + u.samples, 0) : meta.frames;
}
