import type { ServerResponse } from 'node:http';

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

/** Fans server-sent events out to every connected page; a slow client is dropped, never buffered forever. */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly onCount: (n: number) => void;

  constructor(onCount: (n: number) => void = () => {}, keepAliveMs = 15_000) {
    this.onCount = onCount;
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.keepAlive.unref();
  }

  get count(): number {
    return this.clients.size;
  }

  add(res: ServerResponse, hello: unknown): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: ${SseEvents.hello}\ndata: ${JSON.stringify(hello)}\n\n`);
    this.clients.add(res);
    this.onCount(this.clients.size);
    res.on('close', () => {
      this.clients.delete(res);
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
  }
}
