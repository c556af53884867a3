import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecorderStatus } from '@isr/contract';
import { putStatusPart, type KV } from '@isr/runtime';
import type { Logger } from 'pino';

export interface StatusSourceView {
  source: string;
  status(): RecorderStatus;
}

/**
 * Live status: `<output_directory>/status.json` (atomic: temp + rename) with the active files, as the seed
 * ISR wrote it, and the recorder half of KV isr_status per source (only when it changed).
 */
export class StatusReporter {
  readonly #file: string;
  readonly #kv: KV;
  readonly #log: Logger;
  readonly #last = new Map<string, string>();

  constructor(outputDirectory: string, kv: KV, log: Logger) {
    this.#file = join(outputDirectory, 'status.json');
    this.#kv = kv;
    this.#log = log;
  }

  async report(sources: readonly StatusSourceView[]): Promise<void> {
    const statuses = sources.map((s) => [s.source, s.status()] as const);
    const body = {
      active: statuses.flatMap(([, st]) => (st.file ? [st.file] : [])).sort(),
      sources: Object.fromEntries(statuses),
      updated: new Date().toISOString(),
    };
    const tmp = `${this.#file}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(body, null, 1));
      await rename(tmp, this.#file);
    } catch (err) {
      this.#log.warn({ err }, 'could not write status.json');
    }
    for (const [source, st] of statuses) {
      const key = JSON.stringify({ ...st, updated: '' });
      if (this.#last.get(source) === key) continue;
      try {
        await putStatusPart(this.#kv, source, { recorder: st });
        this.#last.set(source, key);
      } catch (err) {
        this.#log.warn({ err, source }, 'could not update isr_status');
      }
    }
  }

  async stop(sources: readonly StatusSourceView[]): Promise<void> {
    await rm(this.#file, { force: true });
    for (const s of sources) {
      const st = s.status();
      await putStatusPart(this.#kv, s.source, { recorder: { ...st, state: 'stopped', file: null } }).catch((err: unknown) => this.#log.warn({ err }, 'could not update isr_status'));
    }
  }
}
