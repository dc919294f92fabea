import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNames } from '../../../config/defineConfig.ts';
import { stagedInputKey } from '../../../contracts/workArea.ts';
import { stageInputs } from '../../../functions/placement/stepPlacement.ts';
import type { SamplePayload } from '../../../functions/workflow/payloads.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import type { ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';
import config from '../../fixtures/landfall.regions.config.ts';

describe('stageInputs (folder storage)', () => {
  let dir: string;
  let storage: FolderStorage;
  const copies: string[] = [];
  let counting: ObjectStorage;
  const names = bucketNames(config);
  const sample: SamplePayload = {
    team: 'genomics',
    runId: 'run1',
    sampleId: 'S1',
    version: 2,
    pipeline: 'demo',
    generation: 0,
    inputs: [
      {
        name: 'S1_R1.fastq.gz',
        bucket: names.landing,
        key: 'incoming/genomics/run1/S1_R1.fastq.gz',
        size: 5,
        md5: 'm',
        read: 'R1',
        lane: 1,
      },
    ],
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-stage-'));
    for (const bucket of [names.landing, names.workArea('us-east-1')]) await mkdir(path.join(dir, bucket), { recursive: true });
    storage = new FolderStorage(dir);
    await storage.put(names.landing, sample.inputs[0]!.key, 'ACGT\n');
    // The real folder storage (stageInputs uses head and copy), counting the copies it is asked for.
    counting = {
      head: (bucket: string, key: string) => storage.head(bucket, key),
      copy: (...args: Parameters<ObjectStorage['copy']>) => {
        copies.push(args[3]);
        return storage.copy(...args);
      },
    } as Pick<ObjectStorage, 'head' | 'copy'> as ObjectStorage;
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads landed inputs in place at home', async () => {
    // Act
    const inputs = await stageInputs({ storage: counting, config }, structuredClone(sample), 'eu-west-1');
    // Assess
    expect(inputs).toEqual(sample.inputs);
    expect(copies).toEqual([]);
  });

  it("copies inputs into a remote region's staging bucket once, and reuses them after", async () => {
    // Act
    const first = await stageInputs({ storage: counting, config }, structuredClone(sample), 'us-east-1');
    const second = await stageInputs({ storage: counting, config }, structuredClone(sample), 'us-east-1');
    // Assess
    const key = stagedInputKey(sample, 'S1_R1.fastq.gz');
    expect(key).toBe('staging/genomics/run1/S1/v2/S1_R1.fastq.gz');
    expect(first).toEqual([{ ...sample.inputs[0], bucket: names.workArea('us-east-1'), key }]);
    expect(second).toEqual(first);
    expect(copies).toEqual([key]);
    expect((await storage.getBytes(names.workArea('us-east-1'), key)).toString()).toBe('ACGT\n');
  });
});
