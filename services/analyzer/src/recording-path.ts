import { ANALYSIS_SIDECAR_SUFFIX, isValidSourceName } from '@isr/contract';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';

/** Extensions of the recordings the segmenter writes (and the analyzer can decode). */
const AUDIO_EXTENSIONS = ['wav', 'flac', 'mp3', 'aac', 'ogg', 'opus', 'oga', 'm4a'] as const;

/** Where the analysis of a recording is written beside it: `<recording>.analysis.json`. */
export const sidecarOf = (file: string): string => file + ANALYSIS_SIDECAR_SUFFIX;

export function isRecordingName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && (AUDIO_EXTENSIONS as readonly string[]).includes(name.slice(dot + 1).toLowerCase());
}

/** The absolute file of a path relative to the recordings root; refuses anything that would leave the root. */
export function resolveRecording(root: string, rel: string): string {
  if (
    typeof rel !== 'string' ||
    rel === '' ||
    rel.includes('\0') ||
    isAbsolute(rel) ||
    rel.split(/[\\/]/).includes('..')
  ) {
    throw new AnalysisError(
      AnalysisErrorCodes.badPath,
      `"${String(rel)}" is not a path relative to the recordings directory`,
    );
  }
  const abs = resolve(root, rel);
  if (!abs.startsWith(resolve(root) + sep))
    throw new AnalysisError(AnalysisErrorCodes.badPath, `"${rel}" leaves the recordings directory`);
  return abs;
}

export function relativeRecording(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** The source a recording belongs to: its first directory (`<source>/…`), or null when that is no source name. */
export function sourceOfPath(rel: string): string | null {
  const first = rel.split('/')[0] ?? '';
  return rel.includes('/') && isValidSourceName(first) ? first : null;
}
