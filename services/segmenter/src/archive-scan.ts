import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidSourceName } from '@isr/contract';
import { hasRecordingExtension } from '@isr/runtime';
import type { ArchivedFile } from './archive-index.ts';

const MAX_DEPTH = 8;

/**
 * Walks `<root>/<source>/…` once and hands every recording to `found`, without stalling the writes that
 * share the process: one directory read and one stat at a time (so the libuv pool keeps threads for the
 * writers' fsyncs), each an await that lets the chunks of the event loop run in between.
 */
export async function scanArchive(
  root: string,
  found: (f: ArchivedFile) => void,
  stopped: () => boolean = () => false,
): Promise<number> {
  let count = 0;
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    let d;
    try {
      d = await opendir(dir, { bufferSize: 64 });
    } catch {
      return; // vanished or unreadable: nothing of ours to delete there
    }
    for await (const e of d) {
      if (stopped()) return;
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth === 0 ? isValidSourceName(e.name) : depth < MAX_DEPTH)
          await walk(join(dir, e.name), relPath, depth + 1);
        continue;
      }
      if (depth === 0 || !e.isFile() || !hasRecordingExtension(e.name)) continue;
      const st = await stat(join(dir, e.name)).catch(() => null);
      if (!st) continue;
      found({ rel: relPath, source: relPath.slice(0, relPath.indexOf('/')), bytes: st.size, endMs: st.mtimeMs });
      count++;
    }
  };
  await walk(root, '', 0);
  return count;
}
