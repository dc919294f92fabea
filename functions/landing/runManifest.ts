import { LandingError } from './errors.ts';

/** One file a run manifest promises, with whatever checksums and size it states. */
export interface ManifestEntry {
  name: string;
  md5?: string;
  sha256?: string;
  size?: number;
}

export interface RunManifest {
  /** File name of the manifest inside the run folder. */
  source: string;
  entries: ManifestEntry[];
}

/** Names a manifest may have inside a run folder. */
export function isManifestName(name: string): boolean {
  return /^(manifest\.json|md5sums?\.txt|checksums?\.md5|manifest\.md5|[^/]+\.md5)$/i.test(name);
}

/** A manifest Landfall cannot read; says which line and what was expected. */
export class ManifestError extends LandingError {
  constructor(source: string, message: string, line?: number) {
    super(`${source}${line ? ` line ${line}` : ''}: ${message}`);
    this.name = 'ManifestError';
  }
}

/**
 * Parses an `md5sum`-format manifest (`<md5>  <name>` or `<md5> *<name>`) or a JSON one
 * (`{ "files": [{ "name" | "path", "md5"?, "sha256"?, "size"? }] }` or a bare array of those).
 *
 * @example parseRunManifest('manifest.md5', 'd41d8cd98f00b204e9800998ecf8427e  S1_R1.fastq.gz\n')
 */
export function parseRunManifest(source: string, text: string): RunManifest {
  const body = text.replace(/^\uFEFF/, '');
  if (source.toLowerCase().endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new ManifestError(source, `not valid JSON: ${(error as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { files?: unknown })?.files;
    if (!Array.isArray(list)) throw new ManifestError(source, 'expected { "files": [...] } or an array of files');
    const entries = list.map((item, index) => {
      const entry = item as Record<string, unknown>;
      const name = entry.name ?? entry.path;
      if (typeof name !== 'string' || name.length === 0) throw new ManifestError(source, `files[${index}] has no "name" or "path"`);
      for (const [field, pattern] of [['md5', /^[0-9a-f]{32}$/i], ['sha256', /^[0-9a-f]{64}$/i]] as const) {
        if (entry[field] !== undefined && (typeof entry[field] !== 'string' || !pattern.test(entry[field] as string))) {
          throw new ManifestError(source, `files[${index}] ${field} ${JSON.stringify(entry[field])} is not a ${field} hex digest`);
        }
      }
      if (entry.size !== undefined && (!Number.isInteger(entry.size) || (entry.size as number) < 0)) throw new ManifestError(source, `files[${index}] size ${JSON.stringify(entry.size)} is not a byte count`);
      return { name, md5: (entry.md5 as string | undefined)?.toLowerCase(), sha256: (entry.sha256 as string | undefined)?.toLowerCase(), size: entry.size as number | undefined };
    });
    return { source, entries };
  }
  const entries: ManifestEntry[] = [];
  body.split(/\r\n|\n|\r/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const match = /^([0-9a-fA-F]{32}) [ *](.+)$/.exec(line);
    if (!match) throw new ManifestError(source, `expected "<md5>  <file name>" (md5sum format), found ${JSON.stringify(line.slice(0, 80))}`, index + 1);
    entries.push({ name: match[2]!.trim(), md5: match[1]!.toLowerCase() });
  });
  if (entries.length === 0) throw new ManifestError(source, 'lists no files');
  return { source, entries };
}
