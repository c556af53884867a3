import { setTimeout as sleep } from 'node:timers/promises';
import {
  Buckets,
  BucketSpecs,
  IsrError,
  leaseBucketSpec,
  LeaseBucket,
  streamSpecs,
  type BucketSpec,
  type RetentionSettings,
  type StreamSpec,
} from '@isr/contract';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, headers, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { num, type IsrConfig } from './config/load.ts';
import { RuntimeErrorCodes } from './errors.ts';
import { leaseTimings } from './lease.ts';

export type { JetStreamClient, JetStreamManager, KV, MsgHdrs, NatsConnection };

/** Connects with endless reconnects (a 24/7 logger never gives up on its bus) and logs the connection's life. */
export async function connectBus(config: IsrConfig, name: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: [...config.nats.servers],
    name,
    user: config.nats.user,
    pass: config.nats.pass,
    token: config.nats.token,
    // Replies (requests, JetStream API, pull consumers, KV watches) arrive on a per-user inbox, so a user's
    // subscribe permission can be limited to its own replies (nats.conf: _INBOX_<user>.>).
    inboxPrefix: config.nats.user ? inboxPrefixFor(config.nats.user) : undefined,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: true,
  });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'error')
        log.warn({ status: s.type, detail: 'server' in s ? s.server : s.error }, 'NATS connection problem');
      else if (s.type === 'reconnect') log.info({ server: s.server }, 'NATS reconnected');
    }
  })();
  return nc;
}

/** The inbox prefix a connection with this user name uses (`_INBOX_<user>`); nats.conf grants `_INBOX_<user>.>`. */
export function inboxPrefixFor(user: string): string {
  return `_INBOX_${user.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function retentionOf(config: IsrConfig): RetentionSettings {
  return {
    audioRetentionSeconds: num(config.general, 'audio_retention_minutes') * 60,
    audioRetentionBytes: num(config.general, 'audio_retention_mb') * 1024 * 1024,
    eventsRetentionSeconds: num(config.general, 'events_retention_days') * 86400,
  };
}

function toStreamConfig(spec: StreamSpec, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    description: spec.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeSeconds * 1000),
    max_bytes: spec.maxBytes,
    duplicate_window: nanos(spec.duplicateWindowSeconds * 1000),
    num_replicas: replicas,
  };
}

/** JetStream's "stream not found" (API error 10059). */
function isNotFound(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } }).api_error?.err_code === 10059 || /not found/i.test(String(err));
}

/** The server refused to change a stream's replica count (a single server, too few nodes, a 2.9 limit). */
export class ReplicasError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(RuntimeErrorCodes.replicas, message, options);
  }
}

/** `update`, explaining a refused change of num_replicas in words an operator can act on. */
async function updateStream(
  jsm: JetStreamManager,
  name: string,
  cfg: Partial<StreamConfig>,
  had: number,
): Promise<void> {
  try {
    await jsm.streams.update(name, cfg);
  } catch (err) {
    const want = cfg.num_replicas ?? had;
    if (want === had) throw err;
    throw new ReplicasError(
      `stream ${name} has ${had} replica(s) and the server refused to change that to ${want} (stream_replicas): ${(err as Error).message}. ` +
        'More than one replica needs a JetStream cluster with at least that many nodes; lower stream_replicas, or add nodes and restart the segmenter',
      { cause: err },
    );
  }
}

/**
 * Creates the stream, or updates it when its settings changed (including scaling its replicas). Idempotent.
 * Returns the replicas the server actually keeps: a server without a cluster accepts more than one and keeps 1.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, replicas = 1): Promise<number> {
  const cfg = toStreamConfig(spec, replicas);
  let had: number;
  try {
    had = (await jsm.streams.info(spec.name)).config.num_replicas;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return keptReplicas(await jsm.streams.add(cfg));
  }
  await updateStream(jsm, spec.name, cfg, had);
  return keptReplicas(await jsm.streams.info(spec.name));
}

/** Replicas a stream really has: a server without a cluster records num_replicas as asked but keeps one copy. */
function keptReplicas(si: StreamInfo): number {
  return si.cluster?.name ? si.config.num_replicas : 1;
}

/** Creates the bucket, or brings an existing one to the spec's TTL and the wanted replicas. */
export async function ensureBucket(js: JetStreamClient, spec: BucketSpec, replicas = 1, log?: Logger): Promise<KV> {
  const kvm = new Kvm(js);
  const ttl = Math.round(spec.ttlSeconds * 1000);
  const kv = await kvm.create(spec.name, {
    history: spec.history,
    ttl,
    description: spec.description,
    storage: StorageType.File,
    replicas,
  });
  const jsm = await js.jetstreamManager();
  const name = `KV_${spec.name}`;
  const { config } = await jsm.streams.info(name);
  if (config.num_replicas !== replicas || config.max_age !== nanos(ttl)) {
    await updateStream(
      jsm,
      name,
      {
        ...config,
        num_replicas: replicas,
        max_age: nanos(ttl),
        duplicate_window: ttl > 0 ? Math.min(config.duplicate_window, nanos(ttl)) : config.duplicate_window,
      },
      config.num_replicas,
    );
  }
  warnShortfall(log, name, replicas, keptReplicas(await jsm.streams.info(name)));
  return kv;
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: { status: KV; analysis: KV; codec: KV; leases: KV };
}

/** The lease bucket for this configuration: its max age is the lease TTL derived from failover_seconds. */
export function leaseBucketOf(config: IsrConfig): BucketSpec {
  return leaseBucketSpec(leaseTimings(num(config.general, 'failover_seconds')).ttlMs / 1000);
}

/** Says clearly that the server keeps fewer replicas than stream_replicas asks for (a server without a cluster). */
function warnShortfall(log: Logger | undefined, name: string, wanted: number, kept: number): void {
  if (kept < wanted) {
    log?.warn(
      { stream: name, stream_replicas: wanted, replicas: kept },
      `stream ${name}: the server keeps ${kept} replica(s), not the ${wanted} stream_replicas asks for — it runs without a JetStream cluster (or with too few nodes); set stream_replicas = ${kept} or connect to a cluster`,
    );
  }
}

/** Creates or updates every stream and bucket of the contract, idempotently. */
export async function provisionBus(nc: NatsConnection, config: IsrConfig, log?: Logger): Promise<Bus> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const specs = streamSpecs(retentionOf(config));
  const replicas = num(config.general, 'stream_replicas');
  for (const spec of [specs.audio, specs.events])
    warnShortfall(log, spec.name, replicas, await ensureStream(jsm, spec, replicas));
  const [status, analysis, codec, leases] = await Promise.all([
    ensureBucket(js, BucketSpecs.status, replicas, log),
    ensureBucket(js, BucketSpecs.analysis, replicas, log),
    ensureBucket(js, BucketSpecs.codec, replicas, log),
    ensureBucket(js, leaseBucketOf(config), replicas, log),
  ]);
  return { nc, js, jsm, kv: { status, analysis, codec, leases } };
}

/** Names of the streams behind the contract's streams and buckets (`KV_<bucket>` for a bucket). */
export function requiredStreamNames(): string[] {
  return [
    ...Object.values(streamSpecs()).map((s) => s.name),
    ...[...Object.values(BucketSpecs).map((b) => b.name), LeaseBucket].map((b) => `KV_${b}`),
  ];
}

export interface BindOptions {
  log?: Logger;
  /** Give up after this long (default: wait forever — the provisioner may start later). */
  timeoutMs?: number;
  /** Poll interval while waiting (default 1000 ms). */
  intervalMs?: number;
}

/**
 * Binds to the streams and buckets a provisioner created, without creating or updating anything, so the
 * user needs only `$JS.API.INFO`/`STREAM.INFO` (plus what its work needs). Waits until they all exist.
 */
export async function bindBus(nc: NatsConnection, opts: BindOptions = {}): Promise<Bus> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const direct = new Map<string, boolean>();
  let lastLog = 0;
  for (const name of requiredStreamNames()) {
    for (;;) {
      try {
        const si = await jsm.streams.info(name);
        direct.set(name, si.config.allow_direct === true);
        break;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (Date.now() > deadline)
          throw new Error(
            `stream ${name} does not exist: start the provisioner (the segmenter) or connect without credentials`,
            { cause: err },
          );
        if (Date.now() - lastLog > 30_000) {
          opts.log?.info({ stream: name }, 'waiting for the segmenter to provision the bus');
          lastLog = Date.now();
        }
        await sleep(opts.intervalMs ?? 1000);
      }
    }
  }
  const kvm = new Kvm(js);
  const open = (spec: BucketSpec) => kvm.open(spec.name, { allow_direct: direct.get(`KV_${spec.name}`) ?? false });
  const [status, analysis, codec, leases] = await Promise.all([
    open(BucketSpecs.status),
    open(BucketSpecs.analysis),
    open(BucketSpecs.codec),
    kvm.open(LeaseBucket, { allow_direct: direct.get(`KV_${LeaseBucket}`) ?? false }),
  ]);
  return { nc, js, jsm, kv: { status, analysis, codec, leases } };
}

/** NATS headers from a plain name → value record (see @isr/contract encodeAudioHeaders). */
export function toHeaders(record: Record<string, string>): MsgHdrs {
  const h = headers();
  for (const [k, v] of Object.entries(record)) h.set(k, v);
  return h;
}

export { Buckets };
