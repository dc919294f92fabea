import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import type { LandedFile } from '../../../functions/catalog/types.ts';
import { validationJobName, validationJobSpec } from '../../../functions/validation/validationJob.ts';

const file = (name: string, etag: string): LandedFile => ({
  name,
  bucket: 'landfall-landing',
  key: `incoming/genomics/RUN/${name}`,
  size: 10,
  etag,
  landedAt: '2026-11-23T00:00:00Z',
});
const ref = { team: 'genomics', runId: '261123_LH00417_0600_B22BIGVAL', sampleId: 'Sample01' };

describe('validation jobs', () => {
  it('names the job after the sample and the identity of its files: same files, same job; a changed file, a new job', () => {
    const files = [file('S1_R1.fastq.gz', 'a'), file('S1_R2.fastq.gz', 'b')];
    expect(validationJobName(ref, files)).toBe(validationJobName(ref, [...files].reverse()));
    expect(validationJobName(ref, files)).not.toBe(validationJobName(ref, [files[0]!, file('S1_R2.fastq.gz', 'c')]));
    expect(validationJobName(ref, files)).toMatch(/^validate-genomics-261123_LH00417_0600_B22BIGVAL-Sample01-[0-9a-f]{12}$/);
  });

  it('keeps a job name within Batch limits (128 characters of [A-Za-z0-9_-]) for long and unusual ids', () => {
    const name = validationJobName({ team: 'genomics', runId: 'R'.repeat(200), sampleId: 'sample.with.dots' }, [file('x', 'a')]);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('runs in the home region at the configured size, retrying only a lost host', () => {
    const config = defineConfig({
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 8 }],
      teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'demo' }],
      validation: { jobVcpus: 4, jobMemoryMiB: 2048 },
    });
    const spec = validationJobSpec(config, 'validate-x');
    expect(spec).toMatchObject({
      region: 'eu-west-1',
      jobQueue: 'landfall-eu-west-1-urgent',
      vcpus: 4,
      memoryMiB: 2048,
      jobDefinition: 'landfall-validate',
      command: ['landfall-validate', 'landfall-results', 'work/validation/validate-x/input.json'],
    });
    expect(spec.evaluateOnExit).toEqual([
      { onStatusReason: 'Host EC2*', action: 'RETRY' },
      { onReason: '*', action: 'EXIT' },
    ]);
  });
});
