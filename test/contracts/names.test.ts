import { afterEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../config/defineConfig.ts';
import { validationJobSpec } from '../../functions/validation/validationJob.ts';
import { definePipeline } from '../../workflows/pipeline.ts';
import { functionStage, jobDefinitionName, jobQueueName, queueClassOf } from '../../contracts/names.ts';

const saved = process.env.LANDFALL_STAGE;
afterEach(() => {
  if (saved === undefined) delete process.env.LANDFALL_STAGE;
  else process.env.LANDFALL_STAGE = saved;
});

describe('Batch names carry the stage, so two stages can share an account and region', () => {
  it('reads the stage stacks/functions.ts sets on every function, and none in the embedded runtime', () => {
    expect(functionStage({ LANDFALL_STAGE: 'alice' })).toBe('alice');
    expect(functionStage({})).toBeUndefined();
    expect(functionStage({ LANDFALL_STAGE: '' })).toBeUndefined();
  });

  it('gives two stages different queue and definition names', () => {
    expect(jobQueueName('landfall', 'alice', 'eu-west-1', 'urgent')).toBe('landfall-alice-eu-west-1-urgent');
    expect(jobQueueName('landfall', 'production', 'eu-west-1', 'urgent')).toBe('landfall-production-eu-west-1-urgent');
    expect(jobDefinitionName('landfall', 'alice', 'qc')).toBe('landfall-alice-qc');
    // The embedded runtime (no stage): the names the local executor has always seen.
    expect(jobQueueName('landfall', undefined, 'eu-west-1', 'normal')).toBe('landfall-eu-west-1-normal');
  });

  it('makes a deployed handler submit to its own stage queue and definition', () => {
    // Prepare
    const config = defineConfig({
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 8 }],
      teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'demo' }],
    });
    process.env.LANDFALL_STAGE = 'alice';

    // Act
    const spec = validationJobSpec(config, 'validate-x');

    // Assess
    expect(spec).toMatchObject({ jobQueue: 'landfall-alice-eu-west-1-urgent', jobDefinition: 'landfall-alice-validate' });
  });

  it('routes large-scratch steps to their own queues, and a moved job keeps its queue class', () => {
    const step = (scratch?: 'large') =>
      definePipeline({
        name: 'p',
        version: '1',
        description: 'd',
        steps: [
          {
            name: 'a',
            description: 'd',
            vcpus: 1,
            memoryMiB: 512,
            timeoutSeconds: 60,
            image: 'landfall',
            command: ['true'],
            ...(scratch ? { scratch } : {}),
          },
        ],
      }).steps[0]!;
    expect([step().scratch, step('large').scratch]).toEqual(['standard', 'large']);
    const large = jobQueueName('landfall', 'alice', 'eu-west-1', 'normal', 'large');
    expect(large).toBe('landfall-alice-eu-west-1-normal-large-scratch');
    expect(
      [
        large,
        jobQueueName('landfall', undefined, 'us-east-1', 'urgent'),
        'arn:aws:batch:eu-west-1:1:job-queue/landfall-eu-west-1-urgent-large-scratch',
      ].map(queueClassOf),
    ).toEqual([
      { kind: 'normal', scratch: 'large' },
      { kind: 'urgent', scratch: 'standard' },
      { kind: 'urgent', scratch: 'large' },
    ]);
  });
});
