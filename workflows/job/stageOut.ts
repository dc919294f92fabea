#!/usr/bin/env node
/**
 * Stage-out, the last phase of every step job (`landfall-stage-out`, the task's one essential container). It
 * starts once the tool has exited, whatever its exit code (dependency condition COMPLETE: see taskMetadata.ts),
 * and then either uploads the tool's outputs — the files under `{{out}}` matching the step's `outputs` globs —
 * each with its MD5 to the attempt's own work area `work/<execution>/<step>/attempt-<k>/`, or, when stage-in or
 * the tool failed, records which one, its exit code and its last output lines beside the attempt
 * (`attempt-<k>.failure.json`) and exits with that container's exit code, so the job fails as the tool did.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { globMatcher } from './globs.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { mapLimit } from '../../seams/storage/mapLimit.ts';
import { hangOnceIfAsked } from '../steps/interruptionFault.ts';
import { isMain } from '../steps/isMain.ts';
import type { FailureRecord, JobManifest } from '../../contracts/jobPayload.ts';
import { attemptPrefix, OUTPUT_CRC64NVME_METADATA, OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import { recordAttemptFailure } from './failureRecord.ts';
import { readManifest, storageFromEnvironment } from './jobStorage.ts';
import { CONTAINER_NAMES } from './stepContainers.ts';
import { containerLogTail, readTaskContainers, type TaskContainerState } from './taskMetadata.ts';
import { type PhaseOutput, processOutput } from './phaseOutput.ts';
import { volumeLayout, volumeRoot } from './volume.ts';

export type StageOutResult = { outcome: 'uploaded'; keys: string[] } | { outcome: 'failed'; failure: FailureRecord };

/** Megabyte reads: a stream's default 64 KiB chunks cost about 1.5× the CPU, on the job's vCPUs (outputs are MBs to GBs). */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Outputs uploaded at once: an upload mostly waits on the storage (an S3 PUT's round trips, the folder
 * storage's fsyncs), and one after another those waits added up inside the job's time (its vCPUs held).
 */
const UPLOAD_CONCURRENCY = 4;

/**
 * An output's MD5 and, when the storage keeps a full-object CRC64NVME of what it stores, that checksum too: read
 * once here, they let the publisher verify the stored object and every copy of it against the bytes on this disk.
 */
async function outputChecksums(file: string, storage: Pick<ObjectStorage, 'fullObjectChecksum'>): Promise<Record<string, string>> {
  const md5 = createHash('md5');
  // Loaded only for S3: on the folder storage a phase program never needs it.
  const crc = storage.fullObjectChecksum === 'CRC64NVME' ? new (await import('@aws-sdk/crc64-nvme')).Crc64Nvme() : undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    md5.update(chunk as Buffer);
    crc?.update(chunk as Buffer);
  }
  return {
    [OUTPUT_MD5_METADATA]: md5.digest('hex'),
    ...(crc ? { [OUTPUT_CRC64NVME_METADATA]: Buffer.from(await crc.digest()).toString('base64') } : {}),
  };
}

/** Regular files under `folder`, relative, sorted; symbolic links and other special files are not outputs. */
export async function listOutputFiles(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      if (entry.isDirectory()) return listOutputFiles(path.join(folder, entry.name), `${prefix}${entry.name}/`);
      return Promise.resolve(entry.isFile() ? [`${prefix}${entry.name}`] : []);
    }),
  );
  return nested.flat().sort();
}

/** Output files selected by the step's globs (relative to `{{out}}`, dot files included); every file without globs. */
export function selectOutputs(files: readonly string[], globs: readonly string[] | undefined): string[] {
  if (!globs) return [...files];
  const matches = globMatcher(globs);
  return files.filter((file) => matches(file));
}

/** The container whose failure the job reports: stage-in before the tool (a tool that never ran is no news). */
export function failedContainer(containers: readonly TaskContainerState[]): TaskContainerState | undefined {
  for (const name of [CONTAINER_NAMES.stageIn, CONTAINER_NAMES.tool]) {
    const container = containers.find((candidate) => candidate.name === name);
    if (!container) continue;
    if (container.exitCode === undefined) return { ...container, exitCode: 1 };
    if (container.exitCode !== 0) return container;
  }
  return undefined;
}

/**
 * Stage-out of attempt `attempt`: uploads the selected outputs, or records the failure of the container that
 * failed. `containers` is what the task metadata says of the job's containers.
 */
export async function stageOut(
  manifest: JobManifest,
  storage: ObjectStorage,
  root: string,
  attempt: number,
  containers: readonly TaskContainerState[],
  logTail: (container: TaskContainerState) => Promise<string[]> = containerLogTail,
): Promise<StageOutResult> {
  const recordFailure = async (container: string, exitCode: number, logTail: string[]): Promise<StageOutResult> => ({
    outcome: 'failed',
    failure: await recordAttemptFailure(storage, manifest, attempt, { container, exitCode, logTail }),
  });

  const failed = failedContainer(containers);
  if (failed) return recordFailure(failed.name, failed.exitCode ?? 1, await logTail(failed));

  const out = volumeLayout(root).out;
  const produced = await listOutputFiles(out).catch(() => []);
  const selected = selectOutputs(produced, manifest.outputs);
  if (selected.length === 0) {
    const found =
      produced.length === 0 ? 'it is empty' : `it holds ${produced.slice(0, 10).join(', ')}${produced.length > 10 ? ', …' : ''}`;
    const wanted = manifest.outputs ? `matching ${manifest.outputs.join(', ')}` : 'at all';
    return recordFailure(CONTAINER_NAMES.stageOut, 1, [`step ${manifest.step} wrote no output ${wanted} in {{out}} (${out}): ${found}`]);
  }
  const prefix = attemptPrefix(manifest.workPrefix, attempt);
  const keys = await mapLimit(selected, UPLOAD_CONCURRENCY, async (relative) => {
    const file = path.join(out, relative);
    await storage.put(manifest.workBucket, `${prefix}${relative}`, createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }), {
      metadata: await outputChecksums(file, storage),
      // A 100 GB BAM needs parts above the default 8 MiB (S3 takes 10,000 parts at most).
      size: (await stat(file)).size,
    });
    return `${prefix}${relative}`;
  });
  return { outcome: 'uploaded', keys };
}

/**
 * The stage-out phase as its container runs it, for a job environment `env` (the manifest, the volume, the
 * attempt, the task metadata endpoint): its exit code, the failed container's own when one failed.
 */
export async function runStageOut(
  env: Record<string, string | undefined> = process.env,
  output: PhaseOutput = processOutput,
): Promise<number> {
  try {
    const storage = await storageFromEnvironment(env);
    const manifest = await readManifest(storage, env);
    const attempt = Number(env.AWS_BATCH_JOB_ATTEMPT ?? '1');
    const result = await stageOut(manifest, storage, volumeRoot(env), attempt, await readTaskContainers(env));
    if (result.outcome === 'uploaded') {
      // Test-only (LANDFALL_FAULTS step.hangOnce): outputs are in the attempt's area, and the attempt never ends.
      await hangOnceIfAsked(
        { step: manifest.step, workBucket: manifest.workBucket },
        attemptPrefix(manifest.workPrefix, attempt),
        storage,
        env,
      );
      output.stdout(`stage-out ${manifest.step} attempt ${attempt}: uploaded ${result.keys.length} outputs\n${result.keys.join('\n')}\n`);
      return 0;
    }
    const { failure } = result;
    output.stderr(
      `stage-out ${manifest.step} attempt ${attempt}: ${failure.container} failed with exit code ${failure.exitCode}; nothing uploaded\n`,
    );
    // The job ends with the failing container's code, so Batch's evaluateOnExit sees the tool's own exit code.
    return failure.exitCode > 0 && failure.exitCode < 256 ? failure.exitCode : 1;
  } catch (error) {
    output.stderr(`stage-out failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (isMain(import.meta.url)) {
  void runStageOut().then((code) => process.exit(code));
}
