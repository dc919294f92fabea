import { describe, expect, it } from 'vitest';
import { JobPayloadError } from '../../contracts/errors.ts';
import {
  FailureRecord,
  JOB_MANIFEST_ENV,
  type JobManifest,
  LOG_TAIL_LINES,
  manifestEnvironment,
  parseJobManifest,
  parseManifestRef,
  serializeJobManifest,
} from '../../contracts/jobPayload.ts';

const MANIFEST: JobManifest = {
  schemaVersion: 1,
  pipeline: 'dna-align',
  step: 'fastp',
  scope: 'sample',
  team: 'genomics',
  runId: 'RUN1',
  sampleId: 'S1',
  reads: [
    {
      bucket: 'landfall-landing',
      key: 'incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz',
      size: 100,
      md5: 'a'.repeat(32),
      label: 'R1',
      role: 'mate1',
      lane: 1,
      name: 'S1_S1_L001_R1_001.fastq.gz',
    },
  ],
  steps: [],
  workBucket: 'landfall-results',
  workPrefix: 'work/genomics-RUN1-S1-v1-g0/fastp/',
};

describe('contracts/jobPayload', () => {
  it('reads back exactly the manifest the submitting side stored', () => {
    // Act
    const text = serializeJobManifest(structuredClone(MANIFEST));
    // Assess
    expect(parseJobManifest(text, 'the manifest')).toEqual(MANIFEST);
  });

  it('names the manifest in one environment variable the job reads', () => {
    const environment = manifestEnvironment({ bucket: 'landfall-results', key: 'work/e/fastp/e-fastp.manifest.json' });
    expect(Object.keys(environment)).toEqual([JOB_MANIFEST_ENV]);
    expect(parseManifestRef({ PATH: '/usr/bin', ...environment })).toEqual({
      bucket: 'landfall-results',
      key: 'work/e/fastp/e-fastp.manifest.json',
    });
  });

  it('refuses to store a manifest the job could not read', () => {
    const badMd5 = structuredClone(MANIFEST);
    badMd5.reads[0]!.md5 = 'not-an-md5';
    expect(() => serializeJobManifest(badMd5)).toThrow(JobPayloadError);
    expect(() => serializeJobManifest(badMd5)).toThrow('reads.0.md5: an MD5 as 32 lower-case hex digits');
  });

  it.each([
    {
      case: 'no variable',
      environment: {},
      message: /LANDFALL_JOB_MANIFEST is not set: this program runs as a phase of a Landfall step job/,
    },
    { case: 'not JSON', environment: { [JOB_MANIFEST_ENV]: '{bucket' }, message: /LANDFALL_JOB_MANIFEST is not JSON/ },
    { case: 'no key', environment: { [JOB_MANIFEST_ENV]: '{"bucket":"b"}' }, message: /must be \{"bucket": "...", "key": "..."\}: key: / },
  ])('names what is wrong with $case', ({ environment, message }) => {
    const read = () => parseManifestRef(environment);
    expect(read).toThrow(JobPayloadError);
    expect(read).toThrow(message);
  });

  it.each([
    { case: 'not JSON', text: '{', message: /s3:\/\/b\/k is not JSON/ },
    {
      case: 'a read without its lane',
      text: JSON.stringify({ ...MANIFEST, reads: [{ ...MANIFEST.reads[0], lane: undefined }] }),
      message: /reads\.0\.lane: /,
    },
    {
      case: 'a work prefix without its slash',
      text: JSON.stringify({ ...MANIFEST, workPrefix: 'work/e/fastp' }),
      message: /workPrefix: a work prefix ends with \//,
    },
  ])('names what is wrong with a stored manifest: $case', ({ text, message }) => {
    expect(() => parseJobManifest(text, 's3://b/k')).toThrow(message);
  });

  it('keeps at most the last 20 lines of a failure', () => {
    const lines = Array.from({ length: LOG_TAIL_LINES + 1 }, (_, i) => `line ${i}`);
    expect(LOG_TAIL_LINES).toBe(20);
    expect(FailureRecord.safeParse({ container: 'tool', exitCode: 1, logTail: lines, at: 'now' }).success).toBe(false);
    expect(FailureRecord.safeParse({ container: 'tool', exitCode: 1, logTail: lines.slice(1), at: 'now' }).success).toBe(true);
  });
});
