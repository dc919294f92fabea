#!/usr/bin/env node
/**
 * Stage-in, the first phase of every step job (`landfall-stage-in`; a container of Landfall's image in AWS, a
 * host process on the embedded runtime). Fills the shared volume with what the step's command names: one file
 * per read label with the lanes concatenated in lane order (concatenated gzip members are valid gzip; BGZF
 * end-of-file markers inside are left out, as some readers stop at the first), the published outputs of
 * earlier steps, the run's sample sheet, the reference; and an empty `out/`. Every byte is read from wherever
 * it lives through the storage seam and checked against its cataloged MD5, so no function ever copies inputs
 * between regions.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { mapLimit } from '../../seams/storage/mapLimit.ts';
import { isMain } from '../steps/isMain.ts';
import { BGZF_EOF, withoutBgzfEofMarkers } from './bgzfMarkers.ts';
import { stagedReadNames } from './expandCommand.ts';
import type { JobManifest, ManifestRead } from '../../contracts/jobPayload.ts';
import { recordAttemptFailure } from './failureRecord.ts';
import { objectLocation, readManifest, storageFromEnvironment } from './jobStorage.ts';
import { CONTAINER_NAMES } from './stepContainers.ts';
import { type PhaseOutput, processOutput } from './phaseOutput.ts';
import { fileSafe, volumeLayout, volumeRoot } from './volume.ts';

/** An input is not what was cataloged (changed, truncated, missing): retrying cannot help. Exit code 65. */
export class StageInDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageInDataError';
  }
}

/** `reads.json` beside the staged reads: which file holds which label, its role, and the lanes in it. */
export interface StagedReadsIndex {
  sampleId: string;
  reads: Array<{ label: string; role?: string; file: string; lanes: number[]; bytes: number }>;
}

/** What stage-in did, for the job log. */
export interface StageInSummary {
  files: number;
  bytes: number;
  reads: StagedReadsIndex['reads'];
}

/**
 * Megabyte reads where the storage reads a local file (the embedded runtime): stage-in only moves and hashes
 * bytes, and 64 KiB chunks cost it about 1.5× the CPU (7.6 MB of reads: 25 ms against 17 ms), on its job's vCPUs.
 */
const STAGE_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams one object into `file` (appending when `append`), checking its size and MD5 on the way. A lane of
 * reads (`lane`) is written without BGZF end-of-file markers (bgzfMarkers.ts: some readers stop at the first),
 * and the last lane of a label ends with one again when it had one. Returns the bytes written.
 */
async function fetchVerified(
  storage: ObjectStorage,
  object: { bucket: string; key: string; size: number; md5: string },
  file: string,
  append: boolean,
  lane?: { last: boolean },
): Promise<number> {
  const hash = createHash('md5');
  let bytes = 0;
  let written = 0;
  const markers = { endedWithMarker: false };
  await pipeline(
    await storage.get(object.bucket, object.key, { chunkBytes: STAGE_CHUNK_BYTES }),
    async function* (source: Readable) {
      for await (const chunk of source) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    },
    async function* (source: AsyncIterable<Buffer>) {
      for await (const piece of lane ? withoutBgzfEofMarkers(source, markers) : source) {
        written += piece.length;
        yield piece;
      }
      // One marker at the very end, where BGZF readers look for it.
      if (lane?.last && markers.endedWithMarker) {
        written += BGZF_EOF.length;
        yield BGZF_EOF;
      }
    },
    createWriteStream(file, { flags: append ? 'a' : 'w' }),
  );
  const md5 = hash.digest('hex');
  if (bytes !== object.size || md5 !== object.md5)
    throw new StageInDataError(
      `s3://${object.bucket}/${object.key} changed since it was cataloged: ${bytes} bytes with MD5 ${md5}, expected ${object.size} bytes with MD5 ${object.md5}`,
    );
  return written;
}

/** Fetches at once (a run step's inputs are every sample's outputs: one after another, S3 round trips add up). */
const FETCH_CONCURRENCY = 4;

/** `fetch` over `items`, FETCH_CONCURRENCY at a time, results in order; after a failure no further item starts. */
async function fetchAll<T>(items: readonly T[], fetch: (item: T) => Promise<number>): Promise<number[]> {
  let failed = false;
  return mapLimit(items, FETCH_CONCURRENCY, async (item) => {
    if (failed) return 0;
    try {
      return await fetch(item);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

/** A path inside `folder` for a relative name that came from storage, refusing anything that would leave it. */
function inside(folder: string, relative: string): string {
  const target = path.resolve(folder, relative);
  if (!target.startsWith(`${path.resolve(folder)}${path.sep}`))
    throw new StageInDataError(`refusing to stage "${relative}" outside ${folder}`);
  return target;
}

/** One CSV field, quoted when it holds a comma, quote or line break. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** A read file's part within its lane and label (1 when the lane is one file). */
const partOf = (read: Pick<ManifestRead, 'part'>) => read.part ?? 1;

/** Which files of a lane are fastq_1 and fastq_2: by role when known, else R1 and R2 (index and UMI reads never). */
function matesOf(reads: readonly ManifestRead[]): { first?: ManifestRead; second?: ManifestRead } {
  const byRole = (role: string) => reads.find((read) => read.role === role);
  if (reads.some((read) => read.role !== undefined)) return { first: byRole('mate1') ?? byRole('single'), second: byRole('mate2') };
  return { first: reads.find((read) => read.label === 'R1'), second: reads.find((read) => read.label === 'R2') };
}

/**
 * The nf-core sample sheet of a run-scope step: `sample,fastq_1,fastq_2`, one row per sample, lane and part (rows
 * of one sample are that sample's lanes, which nf-core pipelines merge), files named where they are stored.
 */
export function renderSampleSheet(
  samples: NonNullable<JobManifest['samples']>,
  env: Record<string, string | undefined> = process.env,
): string {
  const rows = ['sample,fastq_1,fastq_2'];
  for (const sample of [...samples].sort((a, b) => a.sampleId.localeCompare(b.sampleId))) {
    // One row per lane and part: the files of a row are mates of each other.
    const rowKeys = [...new Set(sample.reads.map((read) => `${read.lane}:${partOf(read)}`))]
      .map((key) => key.split(':').map(Number) as [number, number])
      .sort(([laneA, partA], [laneB, partB]) => laneA - laneB || partA - partB);
    for (const [lane, part] of rowKeys) {
      const { first, second } = matesOf(sample.reads.filter((read) => read.lane === lane && partOf(read) === part));
      if (!first) continue;
      rows.push(
        [sample.sampleId, objectLocation(first.bucket, first.key, env), second ? objectLocation(second.bucket, second.key, env) : '']
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

/**
 * Fills the volume at `root` for the job described by `manifest`. Whatever an earlier attempt left there is
 * removed first.
 *
 * @throws StageInDataError when an input's size or MD5 differs from the catalog's, or a reference is missing
 */
export async function stageIn(
  manifest: JobManifest,
  storage: ObjectStorage,
  root: string,
  env: Record<string, string | undefined> = process.env,
): Promise<StageInSummary> {
  const layout = volumeLayout(root);
  await rm(path.join(root, 'in'), { recursive: true, force: true });
  await rm(layout.out, { recursive: true, force: true });
  await mkdir(layout.out, { recursive: true });
  // The tool's image may run as any user: it must be able to write its outputs.
  await chmod(layout.out, 0o777);
  let files = 0;
  let bytes = 0;

  const index: StagedReadsIndex = { sampleId: manifest.sampleId ?? '', reads: [] };
  if (manifest.reads.length > 0) {
    if (!manifest.sampleId) throw new Error(`job manifest of step ${manifest.step} lists reads but no sample`);
    await mkdir(layout.reads, { recursive: true });
    const labels = [...stagedReadNames(manifest.sampleId, manifest.reads)].map(([label, name]) => {
      // Lane order, then part order within a lane (chunked FASTQs, MinKNOW batches: layouts/ numbers them).
      const lanes = manifest.reads.filter((read) => read.label === label).sort((a, b) => a.lane - b.lane || partOf(a) - partOf(b));
      const duplicate = lanes.find((read, i) => i > 0 && read.lane === lanes[i - 1]!.lane && partOf(read) === partOf(lanes[i - 1]!));
      if (duplicate)
        throw new StageInDataError(
          `sample ${manifest.sampleId} has two ${label} files for lane ${duplicate.lane}${duplicate.part ? ` part ${duplicate.part}` : ''}`,
        );
      return { label, name, lanes };
    });
    // The labels' files side by side (each label's lanes one after another, appended in order).
    const labelBytes = await fetchAll(labels, async ({ name, lanes }) => {
      let written = 0;
      for (const [i, read] of lanes.entries())
        written += await fetchVerified(storage, read, path.join(layout.reads, name), i > 0, { last: i === lanes.length - 1 });
      return written;
    });
    for (const [i, { label, name, lanes }] of labels.entries()) {
      files += lanes.length;
      bytes += labelBytes[i]!;
      index.reads.push({
        label,
        role: lanes[0]!.role,
        file: name,
        lanes: [...new Set(lanes.map((read) => read.lane))],
        bytes: labelBytes[i]!,
      });
    }
    await writeFile(layout.readsIndex, `${JSON.stringify(index, null, 2)}\n`);
  }

  const stepFiles: Array<{ file: JobManifest['steps'][number]['files'][number]; target: string }> = [];
  for (const outputs of manifest.steps) {
    const folder = outputs.sampleId ? path.join(layout.steps(outputs.step), fileSafe(outputs.sampleId)) : layout.steps(outputs.step);
    for (const file of outputs.files) stepFiles.push({ file, target: inside(folder, file.relative) });
  }
  for (const folder of new Set(stepFiles.map(({ target }) => path.dirname(target)))) await mkdir(folder, { recursive: true });
  for (const written of await fetchAll(stepFiles, ({ file, target }) => fetchVerified(storage, file, target, false))) {
    bytes += written;
    files++;
  }

  if (manifest.samples) {
    await mkdir(path.dirname(layout.samplesheet), { recursive: true });
    await writeFile(layout.samplesheet, renderSampleSheet(manifest.samples, env));
  }

  if (manifest.reference) {
    const { name, location } = manifest.reference;
    if (location.startsWith('/')) {
      // A folder on this machine (embedded runtime): linked, not copied — reference indexes are large.
      const found = await stat(location).catch(() => undefined);
      if (!found?.isDirectory()) throw new StageInDataError(`reference ${name} is ${location}, which is not a folder`);
      await symlink(location, layout.ref, 'dir');
    } else {
      const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
      if (!match) throw new StageInDataError(`reference ${name} is ${location}: expected s3://<bucket>/<prefix> or an absolute folder`);
      const [, bucket, rawPrefix] = match as unknown as [string, string, string];
      const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
      const objects = await storage.list(bucket, prefix);
      if (objects.length === 0) throw new StageInDataError(`reference ${name} (${location}) holds no files`);
      for (const object of objects) {
        const target = inside(layout.ref, object.key.slice(prefix.length));
        await mkdir(path.dirname(target), { recursive: true });
        await pipeline(await storage.get(bucket, object.key, { chunkBytes: STAGE_CHUNK_BYTES }), createWriteStream(target));
        const written = (await stat(target)).size;
        if (written !== object.size)
          throw new StageInDataError(`reference file s3://${bucket}/${object.key}: read ${written} bytes, stored ${object.size}`);
        bytes += written;
        files++;
      }
    }
  }
  return { files, bytes, reads: index.reads };
}

/**
 * The stage-in phase as its container runs it, for a job environment `env` (the manifest, the volume, the
 * storage): its exit code, 65 when an input is not what was cataloged.
 */
export async function runStageIn(
  env: Record<string, string | undefined> = process.env,
  output: PhaseOutput = processOutput,
): Promise<number> {
  let job: { storage: ObjectStorage; manifest: JobManifest } | undefined;
  try {
    const storage = await storageFromEnvironment(env);
    const manifest = await readManifest(storage, env);
    job = { storage, manifest };
    const summary = await stageIn(manifest, storage, volumeRoot(env), env);
    output.stdout(
      `stage-in ${manifest.step}${manifest.sampleId ? ` ${manifest.sampleId}` : ''}: ${summary.files} files, ${summary.bytes} bytes${summary.reads.map((read) => `; ${read.label} = lanes ${read.lanes.join('+')}`).join('')}\n`,
    );
    return 0;
  } catch (error) {
    const line = `stage-in failed: ${error instanceof Error ? error.message : String(error)}`;
    output.stderr(`${line}\n`);
    const exitCode = error instanceof StageInDataError ? 65 : 1;
    // Recorded here: ECS starts no container whose dependency will never start, so once stage-in failed neither
    // the tool nor stage-out (which depends on the tool) runs to record it (amazon-ecs-agent dependencygraph).
    if (job) {
      const attempt = Number(env.AWS_BATCH_JOB_ATTEMPT ?? '1');
      await recordAttemptFailure(job.storage, job.manifest, attempt, {
        container: CONTAINER_NAMES.stageIn,
        exitCode,
        logTail: [line],
      }).catch((recordError: unknown) => output.stderr(`stage-in could not record its failure: ${String(recordError)}\n`));
    }
    return exitCode;
  }
}

if (isMain(import.meta.url)) {
  void runStageIn().then((code) => process.exit(code));
}
