/**
 * Stage-in of a run-scope step, whose inputs are every sample's outputs: fetched a few at a time (one after
 * another, S3 round trips add up over a run's samples), each still checked against its cataloged MD5, and none
 * started after one is found changed. Real folder storage; the wrapper only counts reads in flight.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobManifest } from '../../../contracts/jobPayload.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import type { ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';
import { StageInDataError, stageIn } from '../../../workflows/job/stageIn.ts';
import { volumeLayout } from '../../../workflows/job/volume.ts';

const SAMPLES = Array.from({ length: 12 }, (_, i) => `S${i + 1}`);

describe('stage-in of a run step’s inputs', () => {
  let dir: string;
  let storage: FolderStorage;
  let files: JobManifest['steps'];

  /** The storage, counting reads in flight (from get until the stream ends). */
  function counting(inner: ObjectStorage): { storage: ObjectStorage; gets: () => number; maxInFlight: () => number } {
    let gets = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const storage = Object.create(inner) as ObjectStorage;
    storage.get = async (bucket, key) => {
      gets++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const stream = await inner.get(bucket, key);
      stream.once('close', () => inFlight--);
      return stream;
    };
    return { storage, gets: () => gets, maxInFlight: () => maxInFlight };
  }

  const manifest = (steps: JobManifest['steps']): JobManifest => ({
    schemaVersion: 1,
    pipeline: 'dna-align',
    step: 'multiqc',
    scope: 'run',
    team: 'genomics',
    runId: 'RUN1',
    reads: [],
    steps,
    workBucket: 'work',
    workPrefix: 'work/x/multiqc/',
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'landfall-stagein-fetches-'));
    await mkdir(path.join(dir, 'buckets', 'results'), { recursive: true });
    storage = new FolderStorage(path.join(dir, 'buckets'));
    files = [];
    for (const sampleId of SAMPLES) {
      const body = Buffer.from(`${sampleId} stats\n`.repeat(20_000));
      const key = `teams/genomics/runs/RUN1/samples/${sampleId}/v1/stats/${sampleId}.stats`;
      await storage.put('results', key, body);
      files.push({
        step: 'stats',
        sampleId,
        files: [
          { bucket: 'results', key, size: body.length, md5: createHash('md5').update(body).digest('hex'), relative: `${sampleId}.stats` },
        ],
      });
    }
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fetches several inputs at once and stages each where the step expects it', async () => {
    const reads = counting(storage);
    const root = path.join(dir, 'volume');
    const summary = await stageIn(manifest(files), reads.storage, root);
    expect(summary.files).toBe(SAMPLES.length);
    expect(reads.maxInFlight()).toBeGreaterThan(1);
    expect(reads.maxInFlight()).toBeLessThanOrEqual(4);
    for (const sampleId of SAMPLES)
      expect((await readFile(path.join(volumeLayout(root).steps('stats'), sampleId, `${sampleId}.stats`), 'utf8')).split('\n')[0]).toBe(
        `${sampleId} stats`,
      );
  });

  it('fails on an input that changed since it was cataloged, and starts no further fetch after it', async () => {
    const changed = files.map((outputs, i) => (i === 0 ? { ...outputs, files: [{ ...outputs.files[0]!, md5: '0'.repeat(32) }] } : outputs));
    const reads = counting(storage);
    await expect(stageIn(manifest(changed), reads.storage, path.join(dir, 'volume-changed'))).rejects.toThrow(StageInDataError);
    expect(reads.gets()).toBeLessThan(SAMPLES.length);
  });
});
