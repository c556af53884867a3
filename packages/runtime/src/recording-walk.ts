import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Extensions of the files the segmenter writes; everything beside them in the recordings tree (analysis
 * sidecars, keep marks, manifests, the journal and status files) is not a recording.
 */
export const RECORDING_EXTENSIONS: ReadonlySet<string> = new Set(['wav', 'flac', 'mp3', 'aac', 'ogg', 'opus']);

/** Whether a file name (or path) ends in `.<one of extensions>`, in any case; a dot that starts the name is none. */
export function hasRecordingExtension(name: string, extensions: ReadonlySet<string> = RECORDING_EXTENSIONS): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && extensions.has(name.slice(dot + 1).toLowerCase());
}

export interface WalkRecordingsOptions {
  /** The extensions that make a file a recording; RECORDING_EXTENSIONS unless told. */
  extensions?: ReadonlySet<string>;
  /** How many directory levels below `dir` to descend at most; no limit unless told. */
  maxDepth?: number;
}

/**
 * The recordings in the tree under `dir`, as '/'-separated paths relative to it, in the order the directories
 * list them: regular files with a recording extension, found one directory read at a time. A directory that is
 * missing, vanishes or cannot be read is passed over (the tree is someone else's, written while we walk).
 */
export async function* walkRecordings(dir: string, o: WalkRecordingsOptions = {}): AsyncGenerator<string> {
  const maxDepth = o.maxDepth ?? Infinity;
  async function* walk(abs: string, rel: string, depth: number): AsyncGenerator<string> {
    let d;
    try {
      d = await opendir(abs);
    } catch {
      return;
    }
    for await (const e of d) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth < maxDepth) yield* walk(join(abs, e.name), r, depth + 1);
      } else if (e.isFile() && hasRecordingExtension(e.name, o.extensions)) yield r;
    }
  }
  yield* walk(dir, '', 0);
}
