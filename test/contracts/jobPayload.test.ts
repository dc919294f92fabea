import { describe, expect, it } from 'vitest';
import { JobPayloadError } from '../../contracts/errors.ts';
import { buildJobPayload, JOB_PAYLOAD_ENV, parseJobPayload, type JobPayload } from '../../contracts/jobPayload.ts';

const PAYLOAD: JobPayload = {
  step: 'qc',
  sampleId: 'S1',
  workBucket: 'landfall-work-eu-west-1',
  workPrefix: 'work/genomics-RUN1-S1-v1-g0/qc/',
  inputs: [
    {
      name: 'S1_S1_L001_R1_001.fastq.gz',
      bucket: 'landfall-landing',
      key: 'incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz',
      md5: 'a'.repeat(32),
      read: 'R1',
      lane: 1,
    },
    {
      name: 'S1_S1_L001_R2_001.fastq.gz',
      bucket: 'landfall-landing',
      key: 'incoming/genomics/RUN1/S1_S1_L001_R2_001.fastq.gz',
      md5: 'b'.repeat(32),
      read: 'R2',
      lane: 1,
    },
  ],
};

describe('contracts/jobPayload', () => {
  it('reads back exactly what the submitting side built', () => {
    // Act
    const environment = buildJobPayload(structuredClone(PAYLOAD));
    // Assess: one variable, named as the job program reads it
    expect(Object.keys(environment)).toEqual([JOB_PAYLOAD_ENV]);
    expect(JOB_PAYLOAD_ENV).toBe('LANDFALL_JOB');
    expect(parseJobPayload({ PATH: '/usr/bin', ...environment })).toEqual(PAYLOAD);
  });

  it('refuses to build a payload the job could not read', () => {
    // Prepare
    const missingMd5 = structuredClone(PAYLOAD) as unknown as { inputs: Array<Record<string, unknown>> };
    delete missingMd5.inputs[1]!.md5;
    // Act, Assess
    expect(() => buildJobPayload(missingMd5 as unknown as JobPayload)).toThrow(/md5/);
  });

  it.each([
    { case: 'no payload', environment: {}, message: /LANDFALL_JOB is not set: this program runs as a Landfall Batch job/ },
    { case: 'not JSON', environment: { LANDFALL_JOB: '{step' }, message: /LANDFALL_JOB is not JSON/ },
    {
      case: 'a field missing',
      environment: { LANDFALL_JOB: JSON.stringify({ ...PAYLOAD, workPrefix: undefined }) },
      message: /LANDFALL_JOB does not describe a Landfall job: workPrefix: /,
    },
    {
      case: 'an input without its lane',
      environment: { LANDFALL_JOB: JSON.stringify({ ...PAYLOAD, inputs: [{ ...PAYLOAD.inputs[0], lane: undefined }] }) },
      message: /inputs\.0\.lane: /,
    },
  ])('names what is wrong with $case', ({ environment, message }) => {
    // Act
    const read = () => parseJobPayload(environment);
    // Assess
    expect(read).toThrow(JobPayloadError);
    expect(read).toThrow(message);
  });
});
