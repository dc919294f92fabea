#!/usr/bin/env node
/**
 * The program every Batch job runs (`landfall-step <step>` in the container image; a child process of the
 * local executor on the embedded runtime). It downloads the step's inputs to scratch, runs the step, and
 * uploads each output with its MD5 to this attempt's own work area `work/<execution>/<step>/attempt-<k>/`,
 * so a retried or interrupted attempt never touches another attempt's files. Publishing happens later,
 * only after the attempt succeeded.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { JOB_PAYLOAD_ENV, parseJobPayload, type JobPayload } from '../../contracts/jobPayload.ts';
import { OUTPUT_MD5_METADATA, attemptPrefix as attemptPrefixOf } from '../../contracts/workArea.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { S3Storage } from '../../seams/storage/S3Storage.ts';
import { exitCodeFor } from './errors.ts';
import { failIfAsked, failWithEnospcIfAsked, hangOnceIfAsked } from './interruptionFault.ts';
import { stepPrograms } from './stepPrograms.ts';
import { runStepTool } from './stepTool.ts';
import { isMain } from './isMain.ts';

/** The container reaches S3; the embedded runtime hands its jobs the folder root of its buckets. */
export function storageFromEnvironment(): ObjectStorage {
  const root = process.env.LANDFALL_STORAGE_ROOT;
  return root ? new FolderStorage(root) : new S3Storage();
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : Promise.resolve([`${prefix}${entry.name}`]),
    ),
  );
  return files.flat().sort();
}

/** Runs one attempt of one step; returns the keys it uploaded. */
export async function runStepAttempt(spec: JobPayload, attempt: number, storage: ObjectStorage): Promise<string[]> {
  const program = stepPrograms[spec.step];
  if (!program) throw new Error(`no step program named ${spec.step} (known: ${Object.keys(stepPrograms).join(', ')})`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), `landfall-${spec.step}-`));
  try {
    const inputDir = path.join(scratch, 'in');
    const outDir = path.join(scratch, 'out');
    await mkdir(inputDir, { recursive: true });
    await mkdir(outDir, { recursive: true });
    const inputs = [];
    for (const input of spec.inputs) {
      const local = path.join(inputDir, path.basename(input.name));
      await pipeline(await storage.get(input.bucket, input.key), createWriteStream(local));
      const md5 = await md5File(local);
      if (md5 !== input.md5) throw new Error(`input ${input.key} changed since it was validated: MD5 ${md5}, cataloged ${input.md5}`);
      inputs.push({ ...input, path: local });
    }
    const attemptPrefix = attemptPrefixOf(spec.workPrefix, attempt);
    await hangOnceIfAsked(spec, attemptPrefix, storage);
    failIfAsked(spec);
    failWithEnospcIfAsked(spec);
    await program({ sampleId: spec.sampleId, inputs, outDir });
    const uploaded = [];
    for (const relative of await listFiles(outDir)) {
      const file = path.join(outDir, relative);
      const md5 = await md5File(file);
      const key = `${attemptPrefix}${relative}`;
      await storage.put(spec.workBucket, key, createReadStream(file), { metadata: { [OUTPUT_MD5_METADATA]: md5 } });
      uploaded.push(key);
    }
    return uploaded;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // As the tool of a multi-container step job: the inputs are staged already, stage-out uploads.
  if (process.argv.includes('--reads')) return runStepTool(process.argv.slice(2));
  const step = process.argv[2];
  const spec = parseJobPayload(process.env);
  if (step && step !== spec.step) throw new Error(`command asks for step ${step} but ${JOB_PAYLOAD_ENV} describes ${spec.step}`);
  const attempt = Number(process.env.AWS_BATCH_JOB_ATTEMPT ?? '1');
  const uploaded = await runStepAttempt(spec, attempt, storageFromEnvironment());
  process.stdout.write(`${spec.step} attempt ${attempt}: uploaded ${uploaded.length} outputs\n${uploaded.join('\n')}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // Bad input data exits 65 and a usage error 64, so Batch evaluateOnExit can stop retrying what cannot succeed.
    process.exit(exitCodeFor(error));
  });
}
