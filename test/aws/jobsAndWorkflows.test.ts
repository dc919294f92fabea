/**
 * Emulator tier: the Batch and Step Functions sides of the seams against moto.
 *
 * - SfnWorkflowService: the real state machines of the config's pipelines (workflows/asl builders, function
 *   ARNs substituted as the stack does) created in moto; an execution started twice with the same name and
 *   input is one execution; the same name with another input is refused; describe answers its status.
 * - BatchJobService: the validation job definition registered as stacks/batch.ts declares it (one container),
 *   the job built by the real validationJobSpec submitted to the home region's urgent queue, described and
 *   terminated. moto 5.2 does not accept `ecsProperties` job definitions, so the step jobs' three-container
 *   definitions are checked only under Pulumi mocks (test/stacks): the README lists that as unproven.
 */
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  CreateSchedulingPolicyCommand,
  RegisterJobDefinitionCommand,
} from '@aws-sdk/client-batch';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import baseConfig from '../../landfall.config.ts';
import {
  JOB_SHARE_IDENTIFIER,
  jobDefinitionName,
  jobQueueName,
  schedulingPolicyName,
  VALIDATION_JOB_DEFINITION,
} from '../../contracts/names.ts';
import { validationJobSpec } from '../../functions/validation/validationJob.ts';
import { BatchJobService } from '../../seams/jobs/BatchJobService.ts';
import { SfnWorkflowService } from '../../seams/workflows/SfnWorkflowService.ts';
import { PLACEHOLDERS, stateMachinesOf, substitutePlaceholders } from '../../workflows/asl/buildStateMachine.ts';
import { routedPipelines } from '../../workflows/pipelines/index.ts';
import { enforceFairShareRule } from '../support/batchModel.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';

const HOME = baseConfig.homeRegion;
const STAGE = 'test';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** moto's IAM query API, unsigned (moto does not check signatures): Batch wants an existing service role. */
async function createRole(moto: MotoServer, name: string): Promise<string> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: name, AssumeRolePolicyDocument: '{}' }),
  });
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(await response.text())?.[1];
  if (!response.ok || !arn) throw new Error(`moto CreateRole answered ${response.status}`);
  return arn;
}

describe.skipIf(MOTO_MISSING)('Batch and Step Functions seams against moto', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let batch: BatchClient;
  const saved = process.env.LANDFALL_STAGE;

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient({ endpoint: moto.endpoint, region: HOME, credentials });
    batch = new BatchClient({ endpoint: moto.endpoint, region: HOME, credentials });
    process.env.LANDFALL_STAGE = STAGE;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.LANDFALL_STAGE;
    else process.env.LANDFALL_STAGE = saved;
    sfn?.destroy();
    batch?.destroy();
    await moto?.close();
  });

  describe('SfnWorkflowService', () => {
    let service: SfnWorkflowService;
    let arns: Record<string, string>;

    beforeAll(async () => {
      const role = await createRole(moto, 'landfall-test-states');
      const functionArns = Object.fromEntries(
        Object.entries(PLACEHOLDERS).map(([name, placeholder]) => [
          placeholder.slice(2, -1),
          `arn:aws:lambda:${HOME}:${ACCOUNT}:function:landfall-${STAGE}-${name}`,
        ]),
      );
      arns = {};
      for (const [name, definition] of Object.entries(stateMachinesOf(routedPipelines(baseConfig)))) {
        const created = await sfn.send(
          new CreateStateMachineCommand({
            name: `landfall-${STAGE}-${name}`,
            roleArn: role,
            definition: JSON.stringify(substitutePlaceholders(definition, functionArns)),
          }),
        );
        arns[name] = created.stateMachineArn!;
      }
      service = new SfnWorkflowService(arns, sfn);
    });

    it('creates every state machine of the config', () => {
      expect(Object.keys(arns).sort()).toEqual(Object.keys(stateMachinesOf(routedPipelines(baseConfig))).sort());
    });

    it('starts an execution once when asked twice with the same name and input, and refuses the name with another input', async () => {
      const pipeline = Object.keys(arns)[0]!;
      const input = { sample: { team: 'genomics', runId: 'r1', sampleId: 'S1', version: 1 } };
      const first = await service.startExecution({ stateMachine: pipeline, name: 'genomics-r1-S1-v1', input });
      const again = await service.startExecution({ stateMachine: pipeline, name: 'genomics-r1-S1-v1', input });
      expect(again.executionArn).toBe(first.executionArn);
      expect(first.executionArn).toContain(':execution:');
      await expect(
        service.startExecution({ stateMachine: pipeline, name: 'genomics-r1-S1-v1', input: { sample: { ...input.sample, version: 2 } } }),
      ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      expect(await service.describeExecution(first.executionArn)).toMatchObject({ status: expect.any(String) });
      expect(await service.describeExecution(`${first.executionArn}-missing`)).toBeUndefined();
    });

    it('names a pipeline it has no state machine for', async () => {
      await expect(service.startExecution({ stateMachine: 'nope', name: 'x', input: {} })).rejects.toThrow(
        /no deployed state machine for pipeline nope/,
      );
    });
  });

  describe('BatchJobService', () => {
    it('submits the real validation job to the home urgent queue, describes it, and terminates it', async () => {
      const role = await createRole(moto, 'landfall-test-batch');
      const environment = await batch.send(
        new CreateComputeEnvironmentCommand({
          computeEnvironmentName: `landfall-${STAGE}-${HOME}-on-demand`,
          type: 'UNMANAGED',
          state: 'ENABLED',
          serviceRole: role,
        }),
      );
      // The queue as stacks/batch.ts declares it: a fair-share policy with Landfall's one share; and next to it a
      // FIFO queue, where Batch refuses a job with a priority (modelled: moto does not enforce it).
      const policy = await batch.send(
        new CreateSchedulingPolicyCommand({
          name: schedulingPolicyName(baseConfig.app, STAGE, HOME),
          fairsharePolicy: {
            computeReservation: 0,
            shareDecaySeconds: 0,
            shareDistribution: [{ shareIdentifier: JOB_SHARE_IDENTIFIER, weightFactor: 1 }],
          },
        }),
      );
      await batch.send(
        new CreateJobQueueCommand({
          jobQueueName: jobQueueName(baseConfig.app, STAGE, HOME, 'urgent'),
          priority: 100,
          state: 'ENABLED',
          schedulingPolicyArn: policy.arn,
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn! }],
        }),
      );
      await batch.send(
        new CreateJobQueueCommand({
          jobQueueName: 'fifo-queue',
          priority: 1,
          state: 'ENABLED',
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn! }],
        }),
      );
      enforceFairShareRule(batch);
      // As stacks/batch.ts declares the validation job definition: one container, Landfall's image.
      const spec = validationJobSpec(baseConfig, 'validate-genomics-r1-S1-0123456789ab');
      await batch.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: jobDefinitionName(baseConfig.app, STAGE, VALIDATION_JOB_DEFINITION),
          type: 'container',
          platformCapabilities: ['EC2'],
          containerProperties: {
            image: `${ACCOUNT}.dkr.ecr.${HOME}.amazonaws.com/landfall-step:sha-test`,
            command: spec.command,
            jobRoleArn: role,
            resourceRequirements: [
              { type: 'VCPU', value: String(spec.vcpus) },
              { type: 'MEMORY', value: String(spec.memoryMiB) },
            ],
          },
        }),
      );
      const jobs = new BatchJobService(HOME, () => batch);

      // A job with a priority on a FIFO queue is refused, as Batch refuses it (what every submission met before
      // the queues had a policy)…
      await expect(jobs.submit({ ...spec, jobName: `${spec.jobName}-fifo`, jobQueue: 'fifo-queue' })).rejects.toThrow(
        /can only be submitted to job queue with fair share scheduling policy/,
      );
      // …and accepted, with its share, on the queue as deployed.
      const { jobId } = await jobs.submit(spec);
      const described = await jobs.describe(jobId);
      expect(described).toMatchObject({ jobId, jobName: spec.jobName, region: HOME });
      expect(described?.jobQueue).toContain(spec.jobQueue);
      // A retried submission finds the job by its name in its queue (ListJobs with a JOB_NAME filter, any
      // status), the exact name only: not one that merely starts like it
      const found = await new BatchJobService(HOME, () => batch).findByName(spec.jobName, spec.jobQueue, HOME);
      await jobs.terminate(jobId, 'emulator tier: stop');
      expect(found).toBe(jobId);
      expect(await jobs.findByName(spec.jobName, spec.jobQueue, HOME)).toBe(jobId); // terminated: still found
      expect(await jobs.findByName(spec.jobName.slice(0, -2), spec.jobQueue, HOME)).toBeUndefined();
      expect(await jobs.describe('no-such-job')).toBeUndefined();
    });
  });
});
