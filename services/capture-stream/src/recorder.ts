import { setTimeout as sleep } from 'node:timers/promises';
import {
  CaptureStates,
  encodeJson,
  redactSecrets,
  redactUrl,
  Subjects,
  timeOfFrame,
  type MetadataEvent,
} from '@isr/contract';
import { Backoff, type CaptureStatusWriter, type KV, type OrderedPublisher } from '@isr/runtime';
import type { Logger } from 'pino';
import { reasonOf, type DisconnectReason } from './errors.ts';
import type { OpenStream } from './http-reader.ts';
import type { CaptureMetrics } from './metrics.ts';
import { UnitTail } from './overlap.ts';
import { SessionPipeline, type PipelineEvent } from './pipeline.ts';
import { CaptureSession } from './session.ts';

export interface StreamSourceSettings {
  name: string;
  url: string;
  stallSeconds: number;
  reconnectMinSeconds: number;
  reconnectMaxSeconds: number;
}

export interface RecorderDeps {
  settings: StreamSourceSettings;
  open: OpenStream;
  publisher: OrderedPublisher;
  /** KV isr_codec: the codec init of each session, put in order before the session's first chunk. */
  codecKv: KV;
  status: CaptureStatusWriter;
  metrics: CaptureMetrics;
  log: Logger;
  /** Wall clock, epoch ms (tests may pass their own). */
  now: () => number;
}

/**
 * Records one `type = stream` source forever: connect, frame, publish; on an error, the end of the stream or
 * a stall, reconnect with exponential backoff as a new session. Never throws; stops when `signal` aborts.
 */
export class StreamRecorder {
  private readonly d: RecorderDeps;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private title: string | null = null;
  private lastStatusMs = 0;
  /** Whether the current connection has published audio (resets the backoff). */
  private delivered = false;
  /** The last units published, across connections (burst-on-connect replay detection). */
  private readonly tail = new UnitTail();

  constructor(deps: RecorderDeps) {
    this.d = deps;
    this.log = deps.log.child({ source: deps.settings.name });
    this.backoff = new Backoff(deps.settings.reconnectMinSeconds, deps.settings.reconnectMaxSeconds);
    const labels = { source: deps.settings.name };
    deps.metrics.up.set(labels, 0);
    deps.metrics.bytes.inc(labels, 0);
    deps.metrics.corruptBytes.inc(labels, 0);
    deps.metrics.metadataEvents.inc(labels, 0);
    deps.metrics.replayDropped.inc(labels, 0);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { settings, metrics } = this.d;
    const labels = { source: settings.name };
    while (!signal.aborted) {
      let reason: DisconnectReason = 'eof';
      let message = 'the server ended the stream';
      this.delivered = false;
      try {
        await this.connectOnce(signal);
      } catch (err) {
        if (signal.aborted) break;
        reason = reasonOf(err);
        message = redactSecrets(err instanceof Error ? err.message : String(err));
        (reason === 'content' || reason === 'http' ? this.log.error.bind(this.log) : this.log.warn.bind(this.log))(
          { err, reason },
          `stream failed: ${message}`,
        );
      }
      metrics.up.set(labels, 0);
      if (signal.aborted) break;
      const delivered = this.delivered;
      if (delivered) this.backoff.reset();
      const delay = this.backoff.next();
      metrics.reconnects.inc({ ...labels, reason });
      this.d.status.update({
        state: delivered || reason === 'eof' || reason === 'stall' ? CaptureStates.reconnecting : CaptureStates.error,
        message: `${message}; reconnecting in ${delay / 1000} s`,
      });
      this.log.warn(
        { reason, attempt: this.backoff.failures, delayMs: delay, url: redactUrl(settings.url) },
        `reconnecting in ${delay / 1000} s (attempt ${this.backoff.failures})`,
      );
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
    this.d.status.update({ state: CaptureStates.stopped, message: null });
  }

  /** One connection = one session (or more: a format change or Ogg chain starts a follow-on). Resolves when the stream ends. */
  private async connectOnce(signal: AbortSignal): Promise<void> {
    const { settings, metrics, open, now } = this.d;
    const labels = { source: settings.name };
    this.log.info({ url: redactUrl(settings.url) }, 'connecting');
    const stream = await open(settings.url, { stallMs: settings.stallSeconds * 1000, signal });
    this.log.info({ contentType: stream.contentType, icyMetaInt: stream.icyMetaInt, ...stream.describe }, 'connected');
    const pipeline = new SessionPipeline({
      contentType: stream.contentType,
      icyMetaInt: stream.icyMetaInt,
      tail: this.tail,
    });
    let session: CaptureSession | null = null;
    let corruptSeen = 0;
    const handle = (ev: PipelineEvent) => {
      session = this.onEvent(ev, session!);
    };
    try {
      for await (const bytes of stream.body) {
        session ??= new CaptureSession(now());
        metrics.bytes.inc(labels, bytes.length);
        for (const ev of pipeline.push(bytes)) handle(ev);
        if (pipeline.corruptBytes > corruptSeen) {
          metrics.corruptBytes.inc(labels, pipeline.corruptBytes - corruptSeen);
          corruptSeen = pipeline.corruptBytes;
        }
      }
      if (session) for (const ev of pipeline.end()) handle(ev);
    } catch (err) {
      // A stall or broken connection: publish the whole units already received (and any held back as a
      // possible replay), then report the error.
      if (session) {
        try {
          for (const ev of pipeline.end()) handle(ev);
        } catch {
          // the error that ended the connection is the one worth reporting
        }
      }
      throw err;
    } finally {
      stream.close();
    }
  }

  private onEvent(ev: PipelineEvent, session: CaptureSession): CaptureSession {
    const { settings, publisher, codecKv, metrics, status, now } = this.d;
    const source = settings.name;
    switch (ev.type) {
      case 'kind':
        this.log.info({ kind: ev.kind }, 'stream content detected');
        return session;
      case 'replay-dropped':
        metrics.replayDropped.inc({ source }, ev.units);
        this.log.info(
          { units: ev.units, samples: ev.samples },
          `dropped ${ev.units} units the server replayed from the previous connection`,
        );
        return session;
      case 'init': {
        const s = session.hasAudio ? session.successor() : session;
        publisher.push({
          kind: 'put',
          kv: codecKv,
          key: source,
          value: JSON.stringify(s.codecInit(source, ev.data, ev.stream)),
        });
        this.log.info({ session: s.id, codec: ev.stream.codec, bytes: ev.data.length }, 'codec header stored');
        return s;
      }
      case 'chunk': {
        const s = session.accepts(ev.chunk.stream) ? session : session.successor();
        if (s !== session)
          this.log.warn({ from: session.stream, to: ev.chunk.stream }, 'stream format changed: new session');
        const first = !s.hasAudio;
        const meta = s.next(source, ev.chunk);
        publisher.push({ kind: 'audio', meta, data: ev.chunk.data });
        const t = now();
        this.delivered = true;
        if (first) {
          metrics.up.set({ source }, 1);
          this.log.info(
            { session: s.id, codec: meta.codec, sampleRate: meta.sampleRate, channels: meta.channels },
            'recording',
          );
        }
        if (first || t - this.lastStatusMs >= 2000) {
          this.lastStatusMs = t;
          status.update({
            state: CaptureStates.recording,
            message: null,
            session: s.id,
            since: new Date(s.startMs).toISOString(),
            lastChunk: new Date(s.timeAt(meta.offset)).toISOString(),
            format: meta.format,
            codec: meta.codec,
            sampleRate: meta.sampleRate,
            channels: meta.channels,
            title: this.title,
          });
        }
        return s;
      }
      case 'metadata': {
        if (ev.title === this.title) return session;
        this.title = ev.title;
        const event: MetadataEvent = {
          source,
          session: session.id,
          time: new Date(
            ev.sampleRate ? timeOfFrame(ev.offset, session.startMs, ev.sampleRate) : session.startMs,
          ).toISOString(),
          offset: ev.offset,
          title: ev.title,
          raw: ev.raw,
        };
        publisher.push({
          kind: 'message',
          subject: Subjects.metadata(source),
          data: encodeJson(event),
          msgID: `${session.id}-meta-${ev.offset}`,
        });
        metrics.metadataEvents.inc({ source });
        status.update({ title: ev.title });
        this.log.info({ title: ev.title, offset: ev.offset }, 'stream title changed');
        return session;
      }
    }
  }
}
