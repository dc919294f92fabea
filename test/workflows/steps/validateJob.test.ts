import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleValidation } from '../../../validation/validateSample.ts';
import type { ValidationJobInput } from '../../../contracts/validationJob.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { runValidationJob } from '../../../workflows/steps/validateJob.ts';
import { gz, reads, record } from '../../validation/fastqFixtures.ts';

// The large-sample validation job: the input the validate function writes, the result it reads back.
let root: string;
let storage: FolderStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-validate-job-'));
  storage = new FolderStorage(root);
  await storage.createBucket('landing');
  await storage.createBucket('work');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Stores a single-read sample whose bases hold legacy '.' no-calls, and the job's input for it. */
async function jobInput(name: string, legacyNoCalls: boolean | undefined): Promise<string> {
  const bytes = gz(record({ name: 'HWI-EAS209_0006_FC706VJ:5:58:5894:21141#0/1', sequence: 'TTAAT.GGTA', quality: 'IIII#IIIII' }));
  const info = await storage.put('landing', `incoming/lab-a/RUN/${name}`, bytes);
  const input = {
    ref: { team: 'lab-a', runId: 'RUN', sampleId: name },
    landed: [{ name, bucket: 'landing', key: info.key, size: info.size, etag: info.etag, landedAt: '2026-11-23T08:00:00Z' }],
    resultKey: `work/validation/${name}/result.json`,
    ...(legacyNoCalls === undefined ? {} : { legacyNoCalls }),
  } satisfies Omit<ValidationJobInput, 'legacyNoCalls'> & { legacyNoCalls?: boolean };
  const key = `work/validation/${name}/input.json`;
  await storage.put('work', key, JSON.stringify(input));
  return key;
}

describe('landfall-validate (the validation job)', () => {
  it.each([
    { case: 'rejects legacy no-calls when the input does not say otherwise', legacyNoCalls: undefined, codes: ['FASTQ_LEGACY_NO_CALL'] },
    { case: "accepts them with the submitting config's legacyNoCalls", legacyNoCalls: true, codes: [] },
  ])('$case', async ({ legacyNoCalls, codes }) => {
    // Prepare
    const name = `S${codes.length}_R1.fastq.gz`;
    const inputKey = await jobInput(name, legacyNoCalls);

    // Act
    const resultKey = await runValidationJob(storage, 'work', inputKey);

    // Assess
    const result = JSON.parse((await storage.getBytes('work', resultKey)).toString('utf8')) as SampleValidation;
    expect(result.reasons.map((reason) => reason.code)).toEqual(codes);
    expect(result.files[0]).toMatchObject({ reads: 1, stats: { bases: 10 } });
  });

  it("applies the run's RunInfo.xml and demultiplexer counts the input carries: a UMI written as R2 is refused, as inline", async () => {
    // Prepare: R1 of 50 bases, R2 the 9-base UMI of a Y50,I8,Y9,Y50 bases mask
    const landed = [];
    for (const [label, mate, length] of [
      ['R1', 1, 50],
      ['R2', 2, 9],
    ] as const) {
      const name = `U_S1_L001_${label}_001.fastq.gz`;
      const info = await storage.put('landing', `incoming/lab-a/RUN/${name}`, gz(reads(20, { mate, length })));
      landed.push({ name, bucket: 'landing', key: info.key, size: info.size, etag: info.etag, landedAt: '2026-12-07T08:00:00Z' });
    }
    const runInfo = { reads: [50, 8, 9, 50].map((cycles, i) => ({ number: i + 1, cycles, isIndexedRead: i === 1 || i === 2 })) };
    const input: ValidationJobInput = {
      ref: { team: 'lab-a', runId: 'RUN', sampleId: 'U' },
      landed,
      runInfo,
      // …and a demultiplexer report that counts 25 reads in lane 1, where each file holds 20
      demultiplexed: { source: 'Reports/Demultiplex_Stats.csv', sampleId: 'U', lanes: { 1: 25 } },
      resultKey: 'work/validation/U/result.json',
      legacyNoCalls: false,
    };
    await storage.put('work', 'work/validation/U/input.json', JSON.stringify(input));

    // Act
    const resultKey = await runValidationJob(storage, 'work', 'work/validation/U/input.json');

    // Assess
    const result = JSON.parse((await storage.getBytes('work', resultKey)).toString('utf8')) as SampleValidation;
    expect(result.reasons.map((reason) => `${reason.code} ${reason.file}`)).toEqual([
      'MATE_READ_LENGTH U_S1_L001_R2_001.fastq.gz',
      'DEMUX_READ_COUNT U_S1_L001_R1_001.fastq.gz',
      'DEMUX_READ_COUNT U_S1_L001_R2_001.fastq.gz',
    ]);
  });
});
