import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { runReportPrefix } from '../../contracts/keys.ts';
import { OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import { CliError, EXIT } from '../errors.ts';
import { resolveIdentity, selectTeams } from '../../runtime/identity/identity.ts';
import { printJson } from '../output.ts';
import { assertRunHasResults, assertRunId, listTeamOutputs, loadStateConfig, openResults, type TeamOutput } from './outputs.ts';

export interface FetchOptions {
  stateDir: string;
  config?: string;
  team: string;
  run: string;
  /** Only this step's outputs (manifests are fetched either way). */
  step?: string;
  /** Target folder: files land in `<dir>/<sample>/v<N>/<step>/<file>`, manifests in `<dir>/<sample>/v<N>/manifest.json`. */
  dir: string;
  token?: string;
  /** Print a JSON summary on stdout (progress then goes to stderr). */
  json?: boolean;
  /** How progress is shown. @default 'tty' when the progress stream is a terminal, else 'lines' */
  progress?: 'tty' | 'lines' | 'none';
}

interface FetchedFile {
  key: string;
  path: string;
  size: number;
  md5?: string;
  status: 'fetched' | 'up-to-date' | 'failed';
  error?: string;
}

/** A file whose bytes do not match the manifest (the partial file is deleted before this is thrown). */
class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Joins key-derived segments under `dir`, refusing any that could leave it. */
function localPath(dir: string, relativePath: string): string {
  const segments = relativePath.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..'))
    throw new CliError(`refusing to write ${JSON.stringify(relativePath)}: not a plain relative path`, EXIT.failed);
  const target = path.resolve(dir, ...segments);
  if (!target.startsWith(path.resolve(dir) + path.sep)) throw new CliError(`refusing to write ${relativePath} outside ${dir}`, EXIT.failed);
  return target;
}

async function md5OfFile(file: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/**
 * Streams one object into `target` through a temp file beside it, hashing as it goes; renames it into
 * place only when size and MD5 match what the manifest recorded, else deletes it and throws.
 */
async function download(
  source: Readable,
  target: string,
  expected: { size: number; md5?: string | undefined },
  onBytes: (count: number) => void,
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${randomBytes(4).toString('hex')}.part`;
  const handle = await open(temp, 'wx', 0o644);
  const hash = createHash('md5');
  let size = 0;
  try {
    for await (const chunk of source) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      let written = 0;
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, size + written)).bytesWritten;
      size += bytes.length;
      onBytes(bytes.length);
    }
    await handle.sync();
    await handle.close();
    const md5 = hash.digest('hex');
    if (size !== expected.size) throw new VerificationError(`size ${size} bytes, the manifest says ${expected.size}`);
    if (expected.md5 !== undefined && md5 !== expected.md5) throw new VerificationError(`MD5 ${md5}, the manifest says ${expected.md5}`);
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

class Progress {
  readonly #mode: 'tty' | 'lines' | 'none';
  readonly #out: NodeJS.WriteStream;
  readonly #totalFiles: number;
  readonly #totalBytes: number;
  #files = 0;
  #bytes = 0;
  #lastDraw = 0;

  constructor(mode: FetchOptions['progress'], out: NodeJS.WriteStream, totalFiles: number, totalBytes: number) {
    this.#mode = mode ?? (out.isTTY ? 'tty' : 'lines');
    this.#out = out;
    this.#totalFiles = totalFiles;
    this.#totalBytes = totalBytes;
  }

  #status(): string {
    return `[${String(this.#files).padStart(String(this.#totalFiles).length)}/${this.#totalFiles}] ${formatBytes(this.#bytes)} / ${formatBytes(this.#totalBytes)}`;
  }

  bytes(count: number, name: string): void {
    this.#bytes += count;
    if (this.#mode !== 'tty' || Date.now() - this.#lastDraw < 100) return;
    this.#lastDraw = Date.now();
    this.#out.write(`\r\x1b[K${this.#status()}  ${name}`);
  }

  /** `bytes` is what was not streamed through `bytes()` (a file already up to date, or the rest of a failed one). */
  fileDone(name: string, note: string, bytes = 0): void {
    this.#files++;
    this.#bytes += bytes;
    if (this.#mode === 'tty') this.#out.write(`\r\x1b[K${this.#status()}  ${name} ${note}`);
    else if (this.#mode === 'lines') this.#out.write(`${this.#status()}  ${name} ${note}\n`);
  }

  end(): void {
    if (this.#mode === 'tty') this.#out.write('\n');
  }
}

/**
 * `landfall fetch --team <t> --run <r> [--step <s>] <dir>`: downloads every published output of a run
 * (optionally one step), each sample version's manifest.json and the run's report once it is written (`report/`),
 * verifying every file's size and MD5 against the manifest (the report against the MD5 it was written with). Files already present with the right MD5 are kept (a re-run resumes).
 * Exit codes: 0 every file verified, 1 a file failed verification or could not be read (it is deleted and
 * named) or there is nothing to fetch, 2 usage (unknown token, unknown team, bad run id).
 */
export async function fetchCommand(options: FetchOptions): Promise<number> {
  const identity = await resolveIdentity(options.stateDir, options.token);
  const config = await loadStateConfig(options.stateDir, options.config);
  const [team] = selectTeams(identity, config, options.team) as [string];
  assertRunId(options.run);
  const { storage, bucket } = await openResults(options.stateDir, config);
  const { outputs, manifests } = await listTeamOutputs(storage, bucket, team, options.run);
  if (outputs.length === 0) await assertRunHasResults(storage, bucket, team, options.run);
  const files = outputs.filter(
    (output): output is TeamOutput & { relativePath: string } =>
      output.kind === 'output' && output.relativePath !== undefined && (!options.step || output.step === options.step),
  );
  const what = `${team}/${options.run}${options.step ? ` step ${options.step}` : ''}`;
  if (files.length === 0) throw new CliError(`no published outputs for ${what} yet`, EXIT.failed);

  const dir = path.resolve(options.dir);
  const out = options.json ? process.stderr : process.stdout;
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const progress = new Progress(options.progress, out, files.length, totalBytes);
  const results: FetchedFile[] = [];
  for (const file of files) {
    const target = localPath(dir, file.relativePath);
    if ((await stat(target).catch(() => undefined))?.size === file.size && (await md5OfFile(target)) === file.md5) {
      results.push({ key: file.key, path: target, size: file.size, md5: file.md5, status: 'up-to-date' });
      progress.fileDone(file.relativePath, 'up to date', file.size);
      continue;
    }
    let streamed = 0;
    try {
      await download(await storage.get(bucket, file.key), target, { size: file.size, md5: file.md5 }, (count) => {
        streamed += count;
        progress.bytes(count, file.relativePath);
      });
      results.push({ key: file.key, path: target, size: file.size, md5: file.md5, status: 'fetched' });
      progress.fileDone(file.relativePath, 'ok');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      results.push({ key: file.key, path: target, size: file.size, md5: file.md5, status: 'failed', error: reason });
      progress.fileDone(file.relativePath, `FAILED: ${reason}`, Math.max(0, file.size - streamed));
    }
  }
  progress.end();

  // Manifests go beside the outputs, for lineage: the exact bytes the files were verified against.
  for (const listed of manifests) {
    const relative = /\/samples\/(.+)$/.exec(listed.key)?.[1];
    if (!relative) continue;
    const target = localPath(dir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.part`;
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(listed.bytes);
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  }

  // The run's report (written once the run is DONE) goes beside the samples: <dir>/report/report.html and .json.
  const reportPrefix = runReportPrefix(team, options.run);
  for (const listed of await storage.list(bucket, reportPrefix)) {
    const name = listed.key.slice(reportPrefix.length);
    const target = localPath(dir, `report/${name}`);
    const info = (await storage.head(bucket, listed.key)) ?? listed;
    const expected = { size: info.size, md5: info.metadata[OUTPUT_MD5_METADATA] };
    try {
      await download(await storage.get(bucket, listed.key), target, expected, () => undefined);
      results.push({ key: listed.key, path: target, ...expected, status: 'fetched' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      results.push({ key: listed.key, path: target, ...expected, status: 'failed', error: reason });
    }
  }

  const failed = results.filter((result) => result.status === 'failed');
  if (options.json) printJson({ team, run: options.run, step: options.step, dir, files: results, failed: failed.length });
  else
    process.stdout.write(
      `${results.length - failed.length} of ${results.length} files verified in ${dir}${failed.length ? '' : ` (${formatBytes(totalBytes)})`}\n`,
    );
  // Exit 1 naming every file that was not kept; the others stay (a re-run fetches only what is missing).
  for (const failure of failed) process.stderr.write(`landfall: ${failure.key}: ${failure.error}; the partial file was deleted\n`);
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}
