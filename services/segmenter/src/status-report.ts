import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecorderStates, type RecorderStatus } from '@isr/contract';
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
  #fileFailing = false;

  constructor(outputDirectory: string, kv: KV, log: Logger) {
    this.#file = join(outputDirectory, 'status.json');
    this.#kv = kv;
    this.#log = log;
  }

  /**
   * `owner`: this segmenter's member id. status.json is shared by the segmenter group (one recordings
   * directory): each member replaces its own sources' entries and keeps the others'.
   */
  async report(sources: readonly StatusSourceView[], owner: string | null = null): Promise<void> {
    const statuses = sources.map((s) => [s.source, { ...s.status(), owner }] as const);
    const merged = { ...(await this.#readOthers()), ...Object.fromEntries(statuses) };
    const body = {
      active: Object.values(merged)
        .flatMap((st) => (st.file ? [st.file] : []))
        .sort(),
      sources: merged,
      updated: new Date().toISOString(),
    };
    try {
      await this.#writeFile(JSON.stringify(body, null, 1));
      if (this.#fileFailing) this.#log.info('status.json is written again');
      this.#fileFailing = false;
    } catch (err) {
      if (!this.#fileFailing) this.#log.warn({ err }, 'could not write status.json (logged once until it works again)');
      this.#fileFailing = true;
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

  /** The entries of status.json written by other members (none when it is missing or unreadable). */
  async #readOthers(): Promise<Record<string, RecorderStatus>> {
    try {
      const doc = JSON.parse(await readFile(this.#file, 'utf8')) as { sources?: Record<string, RecorderStatus> };
      return doc.sources && typeof doc.sources === 'object' ? doc.sources : {};
    } catch {
      return {};
    }
  }

  /**
   * Atomically (temp + rename). On a full disk the temp file cannot be written: then status.json is
   * overwritten in place, which needs no new blocks while it does not grow past them — so it still says
   * disk_full when it matters most.
   */
  async #writeFile(text: string): Promise<void> {
    const tmp = `${this.#file}.${process.pid}.tmp`; // one per process: the members of a group share the file
    try {
      await writeFile(tmp, text);
      await rename(tmp, this.#file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
      const fh = await open(this.#file, 'r+');
      try {
        const data = Buffer.from(text);
        await fh.write(data, 0, data.length, 0);
        await fh.truncate(data.length);
      } finally {
        await fh.close();
      }
    }
  }

  async stop(sources: readonly StatusSourceView[]): Promise<void> {
    await rm(this.#file, { force: true });
    for (const s of sources) {
      const st = s.status();
      await putStatusPart(this.#kv, s.source, { recorder: { ...st, state: RecorderStates.stopped, file: null } }).catch(
        (err: unknown) => this.#log.warn({ err }, 'could not update isr_status'),
      );
    }
  }
}
