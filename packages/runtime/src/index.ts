export {
  bool,
  ConfigError,
  configPath,
  type IsrConfig,
  loadConfig,
  type LoadOptions,
  num,
  parseConfig,
  type ServiceName,
  type Settings,
  type SourceConfig,
  type SourceType,
  str,
} from './config/load.ts';
export { ArgsError, parseServiceArgs, usage, type ExtraValues, type ServiceArgs } from './config/args.ts';
export type { KeySpec, KeyType, KeyValue } from './config/spec.ts';
export { allKeys } from './config/keys/index.ts';
export { RuntimeErrorCodes, type RuntimeErrorCode } from './errors.ts';
export { redactedConfig, type RedactedConfig } from './config/redact-config.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { createRegistry, type HealthCheck, type MetricsServer, startMetricsServer } from './metrics-server.ts';
export {
  bindBus,
  type BindOptions,
  Buckets,
  type Bus,
  connectBus,
  ensureBucket,
  ensureStream,
  inboxPrefixFor,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  leaseBucketOf,
  type MsgHdrs,
  type NatsConnection,
  provisionBus,
  ReplicasError,
  requiredStreamNames,
  retentionOf,
  toHeaders,
} from './bus.ts';
export {
  heldByDeadProcess,
  hostName,
  type LeaseTimings,
  leaseTimings,
  SourceLease,
  type SourceLeaseOptions,
} from './lease.ts';
export { LeasedRunner, type LeasedRunnerOptions, type LeasedWork, type LeaseFence } from './leased-work.ts';
export {
  type Follower,
  type FollowOptions,
  followStream,
  stallOf,
  StallReasons,
  type StallReason,
} from './follow-stream.ts';
export { putStatusPart } from './status-kv.ts';
export { CaptureStatusWriter } from './capture-status.ts';
export { OrderedPublisher, type OrderedPublisherOptions } from './ordered-publisher.ts';
export {
  chunkSeconds,
  PublishQueue,
  type PublishItem,
  type QueuedAudio,
  type UnsentChunkMeta,
} from './publish-queue.ts';
export { Backoff } from './backoff.ts';
export { settleWithin, waitForSignal } from './shutdown.ts';
export {
  PROVISIONERS,
  type RunningService,
  type RunOptions,
  runService,
  serviceArgs,
  type ServiceContext,
  shouldProvision,
} from './service.ts';
export { SERVICE_NODE_OPTIONS, serviceNodeOptions } from './node-options.ts';
export {
  lineHash,
  MANIFEST_DAY,
  MANIFEST_FILE,
  manifestDays,
  manifestGenesis,
  ManifestWriter,
  parseEntry,
  readManifest,
  sha256Hex,
} from './manifest.ts';
export type {
  AppendTarget,
  ManifestBody,
  ManifestClosedEntry,
  ManifestDeletedEntry,
  ManifestEntry,
  ManifestText,
} from './manifest.ts';
export {
  hasRecordingExtension,
  RECORDING_EXTENSIONS,
  walkRecordings,
  type WalkRecordingsOptions,
} from './recording-walk.ts';
export { isProblem, openFilesOf, sha256OfFile, verifySource, VerifyStatuses } from './verify-archive.ts';
export type { VerifyOptions, VerifyReport, VerifyStatus } from './verify-archive.ts';
