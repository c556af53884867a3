import { Buckets, BucketSpecs, streamSpecs, type BucketSpec, type RetentionSettings, type StreamSpec } from '@isr/contract';
import { DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, headers, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { num, type IsrConfig } from './config/load.ts';

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
      if (s.type === 'disconnect' || s.type === 'error') log.warn({ status: s.type, detail: 'server' in s ? s.server : s.error }, 'NATS connection problem');
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

function toStreamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
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
    num_replicas: 1,
  };
}

/** JetStream's "stream not found" (API error 10059). */
function isNotFound(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } }).api_error?.err_code === 10059 || /not found/i.test(String(err));
}

/** Creates the stream, or updates it when its settings changed. Idempotent. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const cfg = toStreamConfig(spec);
  try {
    await jsm.streams.info(spec.name);
    await jsm.streams.update(spec.name, cfg);
  } catch (err) {
    if (isNotFound(err)) {
      await jsm.streams.add(cfg);
    } else throw err;
  }
}

export async function ensureBucket(js: JetStreamClient, spec: BucketSpec): Promise<KV> {
  const kvm = new Kvm(js);
  return kvm.create(spec.name, { history: spec.history, ttl: spec.ttlSeconds * 1000, description: spec.description, storage: StorageType.File });
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: { status: KV; analysis: KV; codec: KV };
}

/** Creates or updates every stream and bucket of the contract, idempotently. */
export async function provisionBus(nc: NatsConnection, config: IsrConfig): Promise<Bus> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const specs = streamSpecs(retentionOf(config));
  await ensureStream(jsm, specs.audio);
  await ensureStream(jsm, specs.events);
  const [status, analysis, codec] = await Promise.all([
    ensureBucket(js, BucketSpecs.status),
    ensureBucket(js, BucketSpecs.analysis),
    ensureBucket(js, BucketSpecs.codec),
  ]);
  return { nc, js, jsm, kv: { status, analysis, codec } };
}

/** Names of the streams behind the contract's streams and buckets (`KV_<bucket>` for a bucket). */
export function requiredStreamNames(): string[] {
  return [...Object.values(streamSpecs()).map((s) => s.name), ...Object.values(BucketSpecs).map((b) => `KV_${b.name}`)];
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
        if (Date.now() > deadline) throw new Error(`stream ${name} does not exist: start the provisioner (the segmenter) or connect without credentials`, { cause: err });
        if (Date.now() - lastLog > 30_000) {
          opts.log?.info({ stream: name }, 'waiting for the segmenter to provision the bus');
          lastLog = Date.now();
        }
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
      }
    }
  }
  const kvm = new Kvm(js);
  const open = (spec: BucketSpec) => kvm.open(spec.name, { allow_direct: direct.get(`KV_${spec.name}`) ?? false });
  const [status, analysis, codec] = await Promise.all([open(BucketSpecs.status), open(BucketSpecs.analysis), open(BucketSpecs.codec)]);
  return { nc, js, jsm, kv: { status, analysis, codec } };
}

/** NATS headers from a plain name → value record (see @isr/contract encodeAudioHeaders). */
export function toHeaders(record: Record<string, string>): MsgHdrs {
  const h = headers();
  for (const [k, v] of Object.entries(record)) h.set(k, v);
  return h;
}

export { Buckets };
