/**
 * WAV (RIFF/WAVE) header with a Broadcast Wave `bext` chunk, written by us rather than by wavefile because
 * wavefile holds the whole file in memory; a logger writes hours of audio streaming and only needs the
 * ~680-byte header, rewritten in place as the file grows.
 * The reader of any WAV, RF64 or BWF file is wav-reader.ts; this is the writer's side.
 * Layout: RIFF header (12) · fmt (8+16) · bext (8+602) · data (8 + samples). Specs: Microsoft RIFF/WAVE,
 * EBU Tech 3285 (BWF) — https://tech.ebu.ch/docs/tech/tech3285.pdf
 */
export interface WavFormat {
  sampleRate: number;
  channels: number;
  /** Bits per sample; ISR writes 16. */
  bitsPerSample: number;
}

export interface BextInfo {
  description?: string;
  originator?: string;
  originatorReference?: string;
  /** Local date of the first sample, yyyy-mm-dd. */
  originationDate: string;
  /** Local time of the first sample, hh:mm:ss. */
  originationTime: string;
  /** Sample frames since local midnight at the first sample. */
  timeReference: number;
}

const BEXT_SIZE = 602;
/** Bytes before the first audio sample in files written by buildWavHeader. */
export const WAV_HEADER_BYTES = 12 + 8 + 16 + 8 + BEXT_SIZE + 8;
const MAX_U32 = 0xffff_ffff;

function ascii(buf: Buffer, offset: number, text: string, width: number): void {
  buf.write(text.slice(0, width), offset, width, 'latin1');
}

/** The full header for a file holding `dataBytes` bytes of audio (0 while the file is fresh). */
export function buildWavHeader(format: WavFormat, bext: BextInfo, dataBytes = 0): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  h.write('RIFF', 0, 'latin1');
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(format.bitsPerSample, 34);
  h.write('bext', 36, 'latin1');
  h.writeUInt32LE(BEXT_SIZE, 40);
  const b = 44;
  ascii(h, b, bext.description ?? '', 256);
  ascii(h, b + 256, bext.originator ?? 'ISR', 32);
  ascii(h, b + 288, bext.originatorReference ?? '', 32);
  ascii(h, b + 320, bext.originationDate, 10);
  ascii(h, b + 330, bext.originationTime, 8);
  h.writeUInt32LE(bext.timeReference % 2 ** 32, b + 338);
  h.writeUInt32LE(Math.floor(bext.timeReference / 2 ** 32), b + 342);
  h.writeUInt16LE(1, b + 346); // BWF version 1 (UMID present but zero)
  h.write('data', 44 + BEXT_SIZE, 'latin1');
  setWavSizes(h, dataBytes);
  return h;
}

/** Patches the RIFF and data sizes of a header made by buildWavHeader (sizes saturate at 4 GiB). */
function setWavSizes(header: Buffer, dataBytes: number): void {
  header.writeUInt32LE(Math.min(MAX_U32, WAV_HEADER_BYTES - 8 + dataBytes), 4);
  header.writeUInt32LE(Math.min(MAX_U32, dataBytes), WAV_HEADER_BYTES - 4);
}

/** The two 4-byte patches (file offset, bytes) that set the sizes for a file of `fileLength` bytes. */
export function wavSizePatches(fileLength: number, blockAlign: number): { offset: number; bytes: Buffer }[] {
  const data = Math.max(0, fileLength - WAV_HEADER_BYTES);
  const whole = data - (data % blockAlign);
  const riff = Buffer.alloc(4);
  riff.writeUInt32LE(Math.min(MAX_U32, WAV_HEADER_BYTES - 8 + whole));
  const d = Buffer.alloc(4);
  d.writeUInt32LE(Math.min(MAX_U32, whole));
  return [
    { offset: 4, bytes: riff },
    { offset: WAV_HEADER_BYTES - 4, bytes: d },
  ];
}
