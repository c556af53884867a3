import { Buckets, parseJson, Subjects, type LiveLevel, type SourceStatus } from '@isr/contract';
import type { Bus } from '@isr/runtime';
import type { WebDeps } from './app.ts';
import { SseEvents } from './sse-hub.ts';

type LiveDeps = Pick<WebDeps, 'index' | 'board' | 'hub' | 'log'>;

/** Watches KV isr_status: the board's live state per source, the open file's bytes, each change to the pages. */
export async function watchStatus(bus: Bus, d: LiveDeps): Promise<{ stop(): void }> {
  const watch = await bus.kv.status.watch();
  void (async () => {
    for await (const e of watch) {
      try {
        if (e.operation === 'PUT' && e.value.length > 0) {
          const s = parseJson<SourceStatus>(e.value, `KV ${Buckets.status} ${e.key}`);
          d.board.setStatus(s);
          const file = s.recorder?.file;
          if (file) {
            const rec = d.index.get(file);
            if (rec && s.recorder) rec.bytes = Math.max(rec.bytes, s.recorder.bytes);
          }
        } else d.board.deleteStatus(e.key);
        d.hub.send(SseEvents.status, d.board.view(e.key));
      } catch (err) {
        d.log.warn({ err, key: e.key }, 'ignored a malformed isr_status entry');
      }
    }
  })();
  return { stop: () => watch.stop() };
}

/** Subscribes to isr.level.*: the board's last level per source, each level to the pages. */
export function followLevels(bus: Bus, d: Pick<LiveDeps, 'board' | 'hub' | 'log'>): { unsubscribe(): void } {
  return bus.nc.subscribe(Subjects.levelAll, {
    callback: (err, m) => {
      if (err) return;
      try {
        const l = parseJson<LiveLevel>(m.data, m.subject);
        d.board.setLevel(l);
        d.hub.send(SseEvents.level, l);
      } catch (e) {
        d.log.debug({ err: e }, 'ignored a malformed level message');
      }
    },
  });
}
