export { isValidSourceName, SOURCE_NAME_PATTERN, sourceNameProblem } from './names.ts';
export { sourceOfSubject, SubjectRoots, Subjects } from './subjects.ts';
export {
  type AudioCodec,
  AudioCodecs,
  type AudioFormat,
  AudioFormats,
  type AudioHeaderName,
  AudioHeaders,
  FormatExtensions,
  isAudioCodec,
  isAudioFormat,
} from './headers.ts';
export {
  type AudioChunkMeta,
  audioMsgId,
  type AudioUnit,
  chunkTimeMs,
  decodeAudioHeaders,
  decodeUnits,
  encodeAudioHeaders,
  encodeUnits,
} from './audio-chunk.ts';
export { frameAtOrAfter, timeOfFrame } from './timeline.ts';
export {
  ConsumerNames,
  DefaultRetention,
  type RetentionSettings,
  StreamNames,
  type StreamSpec,
  streamSpecs,
} from './streams.ts';
export { analysisKey, Buckets, type BucketSpec, BucketSpecs, type CodecInit, pathOfAnalysisKey } from './kv.ts';
export {
  LeaseBucket,
  leaseBucketSpec,
  LeaseHeader,
  leaseKey,
  type LeaseRole,
  LeaseRoles,
  type LeaseValue,
} from './leases.ts';
export {
  type DeletionReason,
  DeletionReasons,
  encodeJson,
  type Gap,
  KEEP_MARK_SUFFIX,
  type KeepMark,
  type LiveLevel,
  type MetadataEvent,
  parseJson,
  type SegmentClosedEvent,
  type SegmentDeletedEvent,
  type SegmentOpenedEvent,
} from './events.ts';
export {
  type CaptureState,
  CaptureStates,
  type CaptureStatus,
  type RecorderState,
  RecorderStates,
  type RecorderStatus,
  type SourceStatus,
} from './status.ts';
export {
  ANALYSIS_SIDECAR_SUFFIX,
  type AnalysisDoneEvent,
  type AnalysisParameters,
  type AnalysisRecord,
  type AnalyzeReply,
  type AnalyzeRequest,
  type AudiowaveformData,
  type LoudSectionRecord,
} from './analysis.ts';
export { ContractError, type ContractErrorCode, ContractErrorCodes, IsrError } from './errors.ts';
export { REDACTED, redactSecrets, redactUrl } from './redact.ts';
export type { ForgetReply, ForgetRequest } from './forget.ts';
