import type { ServerResponse } from 'node:http';
import { webError, type WebError } from './errors.ts';

/** Event names sent on GET /api/events (documented in docs/http-api.md). */
export const SseEvents = {
  hello: 'hello',
  status: 'status',
  fileOpened: 'file-opened',
  fileClosed: 'file-closed',
  fileDeleted: 'file-deleted',
  fileKeep: 'file-keep',
  analysis: 'analysis',
  level: 'level',
} as const;
export type SseEvent = (typeof SseEvents)[keyof typeof SseEvents];

export interface SseLimits {
  /** Most connections at once (web_sse_max_connections). */
  maxConnections?: number;
  /** Most connections from one client address (web_sse_max_per_ip), so one client cannot take every place. */
  maxPerClient?: number;
  keepAliveMs?: number;
}

/** Seconds a refused client is told to wait before it tries again (an EventSource retries on its own). */
export const SSE_RETRY_AFTER_SECONDS = 10;

/**
 * Fans server-sent events out to every connected page; a slow client is dropped, never buffered forever.
 * Connections are capped in all and per client address.
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly perClient = new Map<string, number>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly onCount: (n: number) => void;
  private readonly maxConnections: number;
  private readonly maxPerClient: number;

  constructor(onCount: (n: number) => void = () => {}, limits: SseLimits = {}) {
    this.onCount = onCount;
    this.maxConnections = limits.maxConnections ?? 200;
    this.maxPerClient = limits.maxPerClient ?? 20;
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), limits.keepAliveMs ?? 15_000);
    this.keepAlive.unref();
  }

  get count(): number {
    return this.clients.size;
  }

  /** Why a new connection from `client` is refused now (429 for its own cap, 503 when all places are taken), or null. */
  refusal(client: string): WebError | null {
    if ((this.perClient.get(client) ?? 0) >= this.maxPerClient)
      return webError(
        'ssePerClient',
        `${client} already has ${this.maxPerClient} event streams open (web_sse_max_per_ip)`,
      );
    if (this.clients.size >= this.maxConnections)
      return webError('sseFull', `the server has ${this.maxConnections} event streams open (web_sse_max_connections)`);
    return null;
  }

  /** Starts the event stream on `res` for `client` (checked with refusal() first). */
  add(res: ServerResponse, hello: unknown, client = ''): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: ${SseEvents.hello}\ndata: ${JSON.stringify(hello)}\n\n`);
    this.clients.add(res);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    this.onCount(this.clients.size);
    res.on('close', () => {
      if (!this.clients.delete(res)) return;
      const n = (this.perClient.get(client) ?? 1) - 1;
      if (n > 0) this.perClient.set(client, n);
      else this.perClient.delete(client);
      this.onCount(this.clients.size);
    });
  }

  send(event: SseEvent, data: unknown): void {
    if (this.clients.size === 0) return;
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > 1 << 20) {
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.perClient.clear();
  }
}
