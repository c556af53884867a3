import { ANALYSIS_SIDECAR_SUFFIX, isValidSourceName } from '@isr/contract';
import { hasRecordingExtension, RECORDING_EXTENSIONS } from '@isr/runtime';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';

/** Extensions of the recordings the segmenter writes, and the other audio files the analyzer can decode. */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([...RECORDING_EXTENSIONS, 'oga', 'm4a']);

/** Where the analysis of a recording is written beside it: `<recording>.analysis.json`. */
export const sidecarOf = (file: string): string => file + ANALYSIS_SIDECAR_SUFFIX;

export function isRecordingName(name: string): boolean {
  return hasRecordingExtension(name, AUDIO_EXTENSIONS);
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
