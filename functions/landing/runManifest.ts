import { MANIFEST_NAME, type ManifestEntry, parseManifest } from '../../validation/manifest.ts';
import { LandingError } from './errors.ts';

export interface RunManifest {
  /** File name of the manifest inside the run folder. */
  source: string;
  entries: ManifestEntry[];
}

/** Names a manifest may have at the top of a run folder: the same rule `landfall validate` applies. */
export function isManifestName(name: string): boolean {
  return MANIFEST_NAME.test(name);
}

/** A manifest Landfall cannot read; says which line and what was expected. */
export class ManifestError extends LandingError {
  constructor(source: string, message: string, line?: number) {
    super(`${source}${line ? ` line ${line}` : ''}: ${message}`);
    this.name = 'ManifestError';
  }
}

/**
 * Parses a run's manifest with the validator's parser (`md5sum`/`sha256sum` format, JSON
 * `{ "files": [{ "name" | "path", "md5"?, "sha256"?, "size"? }] }` or a bare array, or a MinKNOW output hash file), so the landing path
 * and `landfall validate` read every manifest the same way. Completeness needs the whole list, so the
 * first problem (a bad line, an unsafe name) makes the manifest unreadable here.
 *
 * @throws ManifestError naming the line and what was expected
 * @example parseRunManifest('manifest.md5', 'd41d8cd98f00b204e9800998ecf8427e  S1_R1.fastq.gz\n')
 */
export function parseRunManifest(source: string, text: string, { mayBeEmpty = false } = {}): RunManifest {
  const parsed = parseManifest(source, text);
  const first = parsed.reasons[0];
  if (first) throw new ManifestError(source, first.message.replace(/^line \d+: /, ''), first.line);
  // A MinKNOW output hash file may hash nothing Landfall reads (POD5 only): it then checks nothing.
  if (parsed.entries.length === 0 && !mayBeEmpty) throw new ManifestError(source, 'lists no files');
  return { source, entries: parsed.entries };
}
