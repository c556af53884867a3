import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { webError } from './errors.ts';
import { checkRelativePath } from './safe-path.ts';

export interface ResolvedFile {
  /** Normalised relative path ('/'-separated). */
  rel: string;
  /** Real absolute path, inside the real recordings root. */
  abs: string;
  stat: Stats;
}

/**
 * Resolves a decoded relative path against the recordings root: checks it (pure), then realpath()s it and
 * refuses (403) anything whose real location is not inside the root's real location — a symlink leading
 * outside included. Missing files and non-regular files are 404.
 */
export async function resolveInRoot(realRoot: string, path: string): Promise<ResolvedFile> {
  const rel = checkRelativePath(path);
  let abs: string;
  try {
    abs = await realpath(join(realRoot, rel));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw webError('notFound', `no such recording: ${rel}`);
    if (code === 'ENAMETOOLONG') throw webError('badPath', 'path too long');
    throw webError('notFound', `cannot open ${rel}`, cause);
  }
  if (!abs.startsWith(realRoot + sep)) throw webError('outsideRoot', 'path leads outside the recordings directory');
  const st = await stat(abs).catch((cause: unknown) => {
    throw webError('notFound', `no such recording: ${rel}`, cause);
  });
  if (!st.isFile()) throw webError('notFound', `not a file: ${rel}`);
  return { rel, abs, stat: st };
}
