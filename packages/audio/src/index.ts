export {
  AudioErrorCodes,
  FlacFrameError,
  FlacHeaderError,
  OggPageError,
  TimeZoneError,
  WavHeaderError,
  type AudioErrorCode,
} from './errors.ts';
export { ZoneClock, type WallParts } from './time-zone.ts';
export { SplitClock } from './split-clock.ts';
export { s16leToInt32 } from './pcm.ts';
export { numberedCandidate, renderFilename } from './filename-template.ts';
export { buildWavHeader, WAV_HEADER_BYTES, wavSizePatches, type BextInfo, type WavFormat } from './wav-header.ts';
export {
  bytesPerSample,
  parseWavHeader,
  readWavHeader,
  readWavLayout,
  wavDataEnd,
  wavDataExtent,
  wavHeaderForSize,
  WavHeaderReader,
  type Ds64Sizes,
  type ReadAt,
  type SampleFormat,
  type WavExtent,
  type WavLayout,
  type WavNeed,
  type WavStep,
} from './wav-reader.ts';
export {
  FLAC_STREAMINFO_END,
  FLAC_STREAMINFO_OFFSET,
  FlacBlockTypes,
  FlacMetadataReader,
  readFlacMetadata,
  readStreamInfo,
  type FlacBlock,
  type FlacMetadata,
  type FlacStep,
  type StreamInfo,
} from './flac-reader.ts';
export { patchStreamInfo } from './flac-streaminfo.ts';
export {
  isOggHeaderPage,
  oggCrc,
  oggPageLength,
  parseOggPage,
  rewriteAudioPage,
  rewriteOggPage,
  splitOggPages,
  startOggFile,
  type OggPage,
  type OggRewriteState,
} from './ogg-pages.ts';
export { epochFrame, toneFrames, toneIsSilent, type ToneSpec } from './tone.ts';
export { firstFlacFrameIn, flacFrameEnds, renumberFlacFrame, type FlacFrameHeader } from './flac-frame.ts';
