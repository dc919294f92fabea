#!/usr/bin/env node
/**
 * `landfall-validate <bucket> <input key>`: validates one sample as a Batch job, for samples too large to
 * validate inside a function. Runs the very `validateSample` the landing function runs and writes its
 * result (files with MD5s and statistics, reasons, version hash) next to the input. Invalid data is a
 * successful job with reasons; only a job that could not read or write fails.
 */
import { ValidationJobInput } from '../../contracts/validationJob.ts';
import { validateSample } from '../../validation/validateSample.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { storageFromEnvironment } from '../job/jobStorage.ts';
import { isMain } from './isMain.ts';

/** Validates what `inputKey` describes and stores the result; returns the result's key. */
export async function runValidationJob(storage: ObjectStorage, bucket: string, inputKey: string): Promise<string> {
  const input = ValidationJobInput.parse(JSON.parse((await storage.getBytes(bucket, inputKey)).toString('utf8')));
  const result = await validateSample({ storage }, input.landed, {
    ...(input.manifest ? { manifest: input.manifest } : {}),
    ...(input.reads ? { reads: input.reads } : {}),
    ...(input.runInfo ? { runInfo: input.runInfo } : {}),
    ...(input.demultiplexed ? { demultiplexed: input.demultiplexed } : {}),
    legacyNoCalls: input.legacyNoCalls,
  });
  await storage.put(bucket, input.resultKey, JSON.stringify(result), { contentType: 'application/json' });
  return input.resultKey;
}

async function main(): Promise<void> {
  const [bucket, inputKey] = process.argv.slice(2);
  if (!bucket || !inputKey) throw new Error('usage: landfall-validate <bucket> <input key>');
  const resultKey = await runValidationJob(await storageFromEnvironment(), bucket, inputKey);
  process.stdout.write(`validated; result in s3://${bucket}/${resultKey}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
