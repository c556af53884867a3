import type { CaptureStatus, RecorderStatus, SourceStatus } from '@isr/contract';
import type { KV } from '@nats-io/kv';

type Part = { capture: CaptureStatus } | { recorder: RecorderStatus };

/**
 * Updates this writer's part of isr_status.<source> with compare-and-set, so capture and segmenter
 * never overwrite each other's half of the same key.
 */
export async function putStatusPart(kv: KV, source: string, part: Part, attempts = 5): Promise<void> {
  for (let i = 0; ; i++) {
    const entry = await kv.get(source);
    const current: SourceStatus =
      entry && entry.operation === 'PUT' && entry.value.length ? entry.json<SourceStatus>() : { source };
    const next: SourceStatus = { ...current, source, ...part };
    const body = JSON.stringify(next);
    try {
      if (entry && entry.operation === 'PUT') await kv.update(source, body, entry.revision);
      else await kv.create(source, body);
      return;
    } catch (err) {
      if (i + 1 >= attempts) throw err;
    }
  }
}
