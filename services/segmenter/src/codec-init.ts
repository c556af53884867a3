import { setTimeout as sleep } from 'node:timers/promises';
import type { CodecInit } from '@isr/contract';
import type { KV } from '@nats-io/kv';

/**
 * Finds the codec init (Ogg header pages, FLAC `fLaC` + metadata) of a capture session in KV isr_codec,
 * looking through the key's history (a newer session may have replaced it). Cached per session.
 */
export class CodecInitCache {
  readonly #kv: KV;
  readonly #cache = new Map<string, Uint8Array>();

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async #lookup(source: string, session: string): Promise<Uint8Array | null> {
    const latest = await this.#kv.get(source);
    // a copy of exact size: a small Buffer.from() is a view into Node's shared 8 KiB pool, which the cache would pin
    const check = (json: CodecInit | null) =>
      json && json.session === session ? new Uint8Array(Buffer.from(json.init, 'base64')) : null;
    if (latest?.operation === 'PUT') {
      const hit = check(latest.json<CodecInit>());
      if (hit) return hit;
    }
    const it = await this.#kv.history({ key: source });
    let found: Uint8Array | null = null;
    for await (const e of it) {
      if (e.operation === 'PUT' && !found) found = check(e.json<CodecInit>());
    }
    return found;
  }

  /** The init bytes for the session, waiting up to `waitMs` for the capture to publish them; null if none. */
  async get(source: string, session: string, waitMs = 5000): Promise<Uint8Array | null> {
    const cached = this.#cache.get(`${source}/${session}`);
    if (cached) return cached;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const init = await this.#lookup(source, session);
      if (init) {
        this.#cache.set(`${source}/${session}`, init);
        if (this.#cache.size > 256) this.#cache.delete(this.#cache.keys().next().value!);
        return init;
      }
      if (Date.now() >= deadline) return null;
      await sleep(250);
    }
  }
}
