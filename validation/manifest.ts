import { MINKNOW_OUTPUT_HASH } from '../layouts/longReads.ts';
import { assertSafeKey } from '../seams/storage/keys.ts';
import type { ValidationReason } from './types.ts';
import { reasonOf } from './rules.ts';

/** One file a manifest lists, with whatever checksums and size it gives. */
export interface ManifestEntry {
  /** Path relative to the run folder, `/`-separated, as listed. */
  name: string;
  md5?: string;
  sha256?: string;
  size?: number;
  /** Line of the manifest that lists it (md5sum format). */
  line?: number;
  /** The manifest that lists it, when a run has several (MinKNOW writes one output hash file per protocol run). */
  source?: string;
}

export interface Manifest {
  file: string;
  entries: ManifestEntry[];
  reasons: ValidationReason[];
}

/** Names a run folder's manifest may have (md5sum/sha256sum format, or JSON). */
export const MANIFEST_NAME = /^(manifest\.json|.+\.md5|.+\.sha256|md5sums?\.txt|sha256sums?\.txt|MD5SUMS|SHA256SUMS)$/i;

/**
 * Checks a path taken from data (a manifest line, a listed name) before it is used to find a file:
 * traversal (`..`), absolute paths, backslashes, empty segments and control characters are refused
 * with the same rules storage applies to keys. Spaces and unicode are fine.
 *
 * @returns a reason, or undefined when the path is safe
 * @example unsafePathReason('manifest.md5', '../../etc/passwd', 3)?.message
 */
export function unsafePathReason(file: string, path: string, line?: number): ValidationReason | undefined {
  try {
    assertSafeKey(path);
    return undefined;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return reasonOf('UNSAFE_PATH', {
      file,
      ...(line ? { line } : {}),
      expected: 'a relative path inside the run folder (no "..", no leading "/", no control characters)',
      found: JSON.stringify(path),
      message: `${line ? `line ${line}: ` : ''}unsafe path ${JSON.stringify(path)}: ${why}`,
    });
  }
}

/**
 * Parses a manifest: `md5sum`/`sha256sum` output (`<hex>  <name>`, `<hex> *<name>`, macOS `md5 -r`'s
 * `<hex> <name>`, BSD-style `MD5 (<name>) = <hex>`; the hash length says which; a leading `./` is
 * dropped), or JSON — an array of entries or `{ "files": [...] }`, each `{ "path" | "name", "md5"?,
 * "sha256"?, "size"? }`. Bad lines and unsafe names become reasons; the rest is still returned.
 *
 * @example parseManifest('manifest.md5', 'd41d8cd98f00b204e9800998ecf8427e  S1_R1_001.fastq.gz\n').entries
 */
export function parseManifest(file: string, text: string): Manifest {
  const body = text.replace(/^\uFEFF/, '');
  if (MINKNOW_OUTPUT_HASH.test(file)) return parseMinknowOutputHash(file, body);
  return file.toLowerCase().endsWith('.json') || /^\s*[[{]/.test(body) ? parseJsonManifest(file, body) : parseSumManifest(file, body);
}

const MINKNOW_HASH_COLUMNS = ['file_hash', 'file_path'] as const;

/**
 * Reads a MinKNOW output hash file: a header row, then `file_hash` (SHA-256, or empty for files MinKNOW does not
 * hash, such as POD5) and `file_path` (relative to the protocol output folder the hash file sits in, `\`-separated
 * when MinKNOW ran on Windows) among the other columns, found by name. Entries are named inside the run folder
 * (the hash file's folder + `file_path`); rows without a hash state nothing to check and are left out.
 *
 * @example parseManifest('lib/run1/output_hash_PAW11111_20250603_e05460c6.csv', 'file_hash,file_path\nab…,fastq_pass/x.fastq.gz\n')
 *   // entries: [{ name: 'lib/run1/fastq_pass/x.fastq.gz', sha256: 'ab…', line: 2 }]
 */
function parseMinknowOutputHash(file: string, text: string): Manifest {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const rows = text.split(/\r\n|\n|\r/);
  const cells = (raw: string) => raw.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
  const header = cells(rows[0] ?? '');
  const at = MINKNOW_HASH_COLUMNS.map((column) => header.indexOf(column));
  if (at.some((index) => index < 0)) {
    const expected = `a header row naming ${MINKNOW_HASH_COLUMNS.join(' and ')} (a MinKNOW output hash file)`;
    const found = JSON.stringify((rows[0] ?? '').slice(0, 80));
    return {
      file,
      entries: [],
      reasons: [reasonOf('MANIFEST_LINE', { file, line: 1, expected, found, message: `line 1: expected ${expected}, found ${found}` })],
    };
  }
  const [hashAt, pathAt] = at as [number, number];
  const entries: ManifestEntry[] = [];
  const reasons: ValidationReason[] = [];
  rows.slice(1).forEach((raw, index) => {
    const line = index + 2;
    if (raw.trim() === '') return;
    const row = cells(raw);
    const [hash, path] = [row[hashAt] ?? '', (row[pathAt] ?? '').replaceAll('\\', '/')];
    if (hash === '') return;
    if (!/^[0-9a-fA-F]{64}$/.test(hash) || path === '') {
      const expected = 'a SHA-256 (64 hex digits) in file_hash and a path in file_path';
      const found = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
      return void reasons.push(
        reasonOf('MANIFEST_LINE', { file, line, expected, found, message: `line ${line}: expected ${expected}, found ${found}` }),
      );
    }
    const name = `${folder}${withoutDotSlash(path)}`;
    const unsafe = unsafePathReason(file, name, line);
    if (unsafe) return void reasons.push(unsafe);
    entries.push({ name, line, sha256: hash.toLowerCase() });
  });
  return { file, entries, reasons };
}

// GNU md5sum/sha256sum (`<hex>  <name>`, binary mode `<hex> *<name>`), macOS `md5 -r` (`<hex> <name>`).
const SUM_LINE = /^\\?([0-9a-fA-F]{32}|[0-9a-fA-F]{64}) [ *]?(.+)$/;
// BSD style: macOS `md5`/`shasum --tag`, GNU `md5sum --tag`: `MD5 (<name>) = <hex>`.
const TAGGED_LINE = /^\\?(MD5|SHA256) \((.+)\) = ([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/;

/**
 * One checksum line's hash and file name, in any of the formats the usual tools write; a name from
 * `find . -exec md5sum {} +` (`./S1/S1_R1.fastq.gz`) is the path inside the run folder without `./`.
 */
function sumLine(raw: string): { hash: string; name: string } | undefined {
  const plain = SUM_LINE.exec(raw);
  const tagged = plain ? undefined : TAGGED_LINE.exec(raw);
  const [hash, name] = plain ? [plain[1]!, plain[2]!] : tagged ? [tagged[3]!, tagged[2]!] : [];
  if (hash === undefined || name === undefined) return undefined;
  if (tagged && (tagged[1] === 'MD5') !== (hash.length === 32)) return undefined;
  return { hash, name: withoutDotSlash(name) };
}

/** `./S1/S1_R1.fastq.gz` (as `find .` lists it) is `S1/S1_R1.fastq.gz` inside the run folder. */
const withoutDotSlash = (name: string) => name.replace(/^(?:\.\/)+/, '');

function parseSumManifest(file: string, text: string): Manifest {
  const entries: ManifestEntry[] = [];
  const reasons: ValidationReason[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const match = sumLine(raw);
    if (!match) {
      reasons.push(
        reasonOf('MANIFEST_LINE', {
          file,
          line,
          expected: '"<md5 or sha256 hex>  <file name>" or "MD5 (<file name>) = <hex>"',
          found: JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw),
          message: `line ${line}: expected "<md5 or sha256 hex>  <file name>" or "MD5 (<file name>) = <hex>", found ${JSON.stringify(raw.slice(0, 60))}`,
        }),
      );
      return;
    }
    const { hash, name } = match;
    const unsafe = unsafePathReason(file, name, line);
    if (unsafe) return void reasons.push(unsafe);
    entries.push({ name, line, ...(hash.length === 32 ? { md5: hash.toLowerCase() } : { sha256: hash.toLowerCase() }) });
  });
  return { file, entries, reasons };
}

function parseJsonManifest(file: string, text: string): Manifest {
  const reasons: ValidationReason[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const found = error instanceof Error ? error.message : String(error);
    return {
      file,
      entries: [],
      reasons: [
        reasonOf('MANIFEST_JSON', { file, expected: 'JSON', found, message: `expected a JSON manifest, found invalid JSON (${found})` }),
      ],
    };
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { files?: unknown } | null)?.files;
  if (!Array.isArray(list)) {
    return {
      file,
      entries: [],
      reasons: [
        reasonOf('MANIFEST_SHAPE', {
          file,
          expected: 'an array of files, or { "files": [...] }',
          found: typeof parsed,
          message: 'expected an array of files, or { "files": [...] }',
        }),
      ],
    };
  }
  const entries: ManifestEntry[] = [];
  list.forEach((item: unknown, index) => {
    const entry = item as { path?: unknown; name?: unknown; md5?: unknown; sha256?: unknown; size?: unknown } | null;
    const given = entry?.path ?? entry?.name;
    const name = typeof given === 'string' ? withoutDotSlash(given) : given;
    const where = `files[${index}]`;
    const bad = (expected: string, found: unknown) =>
      reasons.push(
        reasonOf('MANIFEST_ENTRY', {
          file,
          expected,
          found: JSON.stringify(found) ?? 'nothing',
          message: `${where}: expected ${expected}, found ${JSON.stringify(found)}`,
        }),
      );
    if (typeof name !== 'string') return void bad('a "path" (or "name") string', name);
    const unsafe = unsafePathReason(file, name);
    if (unsafe) return void reasons.push({ ...unsafe, message: `${where}: ${unsafe.message}` });
    if (entry!.md5 !== undefined && (typeof entry!.md5 !== 'string' || !/^[0-9a-fA-F]{32}$/.test(entry!.md5)))
      return void bad('"md5" as 32 hex digits', entry!.md5);
    if (entry!.sha256 !== undefined && (typeof entry!.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(entry!.sha256)))
      return void bad('"sha256" as 64 hex digits', entry!.sha256);
    if (entry!.size !== undefined && (typeof entry!.size !== 'number' || !Number.isInteger(entry!.size) || entry!.size < 0))
      return void bad('"size" as a whole number of bytes', entry!.size);
    entries.push({
      name,
      ...(typeof entry!.md5 === 'string' ? { md5: entry!.md5.toLowerCase() } : {}),
      ...(typeof entry!.sha256 === 'string' ? { sha256: entry!.sha256.toLowerCase() } : {}),
      ...(typeof entry!.size === 'number' ? { size: entry!.size } : {}),
    });
  });
  return { file, entries, reasons };
}

/**
 * Compares what a pass measured with what the manifest says: MD5, SHA-256 and size, each only when
 * the manifest gives it. A size difference is reported on its own because NUL padding keeps a gzip
 * file readable while its size, and MD5, change.
 */
export function compareWithManifest(
  path: string,
  entry: ManifestEntry,
  found: { md5: string; sha256?: string; size: number },
  manifestFile: string,
): ValidationReason[] {
  const reasons: ValidationReason[] = [];
  const from = `${entry.source ?? manifestFile}${entry.line ? ` line ${entry.line}` : ''}`;
  if (entry.size !== undefined && entry.size !== found.size) {
    reasons.push(
      reasonOf('MANIFEST_SIZE_MISMATCH', {
        file: path,
        expected: `${entry.size} bytes (${from})`,
        found: `${found.size} bytes`,
        message: `size differs from the manifest: expected ${entry.size} bytes (${from}), found ${found.size}`,
      }),
    );
  }
  if (entry.md5 !== undefined && entry.md5 !== found.md5) {
    reasons.push(
      reasonOf('MANIFEST_MD5_MISMATCH', {
        file: path,
        expected: `MD5 ${entry.md5} (${from})`,
        found: `MD5 ${found.md5}`,
        message: `MD5 differs from the manifest: expected ${entry.md5} (${from}), found ${found.md5}`,
      }),
    );
  }
  if (entry.sha256 !== undefined && found.sha256 !== undefined && entry.sha256 !== found.sha256) {
    reasons.push(
      reasonOf('MANIFEST_SHA256_MISMATCH', {
        file: path,
        expected: `SHA-256 ${entry.sha256} (${from})`,
        found: `SHA-256 ${found.sha256}`,
        message: `SHA-256 differs from the manifest: expected ${entry.sha256} (${from}), found ${found.sha256}`,
      }),
    );
  }
  return reasons;
}
