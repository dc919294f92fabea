/**
 * Tests of the functions, rules and state machines, run against a recorded program run that
 * `sst.config.test.ts` shares (each run is a child process taking seconds: one run serves every suite).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LandfallConfig } from '../../config/schema.ts';
import { buildRunStateMachine, buildStateMachine, substitutePlaceholders } from '../../workflows/asl/buildStateMachine.ts';
import { buildRules } from '../../events/rules.ts';
import { runSteps } from '../../workflows/pipeline.ts';
import { pipelinesOf } from '../../workflows/pipelines/index.ts';
import { functionHandlers, workflowFunctionPlaceholders } from '../../functions/registry.ts';
import { declaredActions, functionPermissions, UNSCOPABLE_ACTIONS } from '../../stacks/permissions.ts';
import { FUNCTION_SIZING } from '../../stacks/functionSizing.ts';
import { RUN_INDEX_WRITER_BUDGET_MS } from '../../functions/publishing/updateRunIndex.ts';
import {
  computeEnvironmentName,
  type FunctionName,
  JOB_SHARE_IDENTIFIER,
  jobQueueName,
  schedulingPolicyName,
  scratchClasses,
  type ScratchClass,
} from '../../contracts/names.ts';
import { repositoryRoot, type RecordedResource, type SstProgramRun } from '../support/pulumiHarness.ts';
import { checkNoWildcardAllow } from './checks.ts';
import { regionOf } from './resources.ts';
import { STEP_DOCKERFILE, stepImageTag } from '../../stacks/stepImage.ts';
import { checkEventRules, checkNoPublicIps, checkTableEncryption, lambdaOf, pascal, platformTypes } from './platformChecks.ts';

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
}
interface EcsContainer {
  name: string;
  image: string;
  command: string[];
  essential: boolean;
  dependsOn?: unknown;
  mountPoints: unknown;
  resourceRequirements: unknown;
  logConfiguration: unknown;
  environment?: unknown;
}
interface EcsTask {
  taskRoleArn: string;
  volumes: unknown;
  containers: EcsContainer[];
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (policy: unknown): PolicyStatement[] => (JSON.parse(String(policy)) as { Statement: PolicyStatement[] }).Statement;

export function platformSuite(label: string, getRun: () => SstProgramRun, config: LandfallConfig): void {
  const pipelines = pipelinesOf(config);
  const named = (name: string): RecordedResource => {
    const found = getRun().resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}`);
    return found;
  };
  const names = Object.keys(functionHandlers);

  describe(`stacks/functions.ts (${label})`, () => {
    it('declares permissions for exactly the functions of functions/registry.ts', () => {
      // Assess
      expect(Object.keys(functionPermissions).sort()).toEqual([...names].sort());
    });

    it.each(names.map((name) => ({ case: name, name })))(
      'deploys $case from its handler file on nodejs22.x arm64 with log retention',
      async ({ name }) => {
        // Prepare
        const lambda = lambdaOf(getRun(), name);
        const file = join(repositoryRoot, 'functions', `${name}.ts`);

        // Assess
        expect(lambda, `Lambda of ${name}`).toBeDefined();
        expect(lambda!.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: `functions/${name}.handler` });
        expect(existsSync(file)).toBe(true);
        expect(((await import(file)) as { handler: unknown }).handler).toBe(functionHandlers[name as keyof typeof functionHandlers]);
        const logGroup = getRun().resources.find(
          (r) =>
            r.type === 'aws:cloudwatch/logGroup:LogGroup' &&
            r.inputs.name === (lambda!.inputs.loggingConfig as { logGroup: string }).logGroup,
        );
        expect(logGroup?.inputs.retentionInDays).toBe(30);
      },
    );

    it("deploys every function with the timeout its longest work needs, never SST's 20-second default", () => {
      // Prepare
      const run = getRun();
      const seconds = (name: string) => lambdaOf(run, name)!.inputs.timeout as number;

      // Assess: each as sized (an unsized function would take SST's 20 s)…
      for (const name of names) {
        const { timeout, memory } = FUNCTION_SIZING[name as FunctionName];
        const [amount, unit] = timeout.split(' ') as [string, string];
        expect(seconds(name), name).toBe(Number(amount) * (unit.startsWith('minute') ? 60 : 1));
        expect(lambdaOf(run, name)!.inputs.memorySize, name).toBe(Number.parseInt(memory, 10));
      }
      // …and what the code relies on: the index writers outlive their budget with room to hand over; whatever
      // concludes validation (and so may copy a rejected sample of tens of GB to quarantine) gets Lambda's 15 minutes.
      for (const name of ['indexRun', 'finishRunSteps'])
        expect(seconds(name) * 1000, name).toBeGreaterThanOrEqual(2 * RUN_INDEX_WRITER_BUDGET_MS);
      for (const name of ['validate', 'validateFile', 'validationJobFinished', 'publishStep']) expect(seconds(name), name).toBe(900);
    });

    it('gives every function the environment awsServices and Powertools read, naming the deployed resources', () => {
      // Prepare
      const run = getRun();
      const machines = run.resources.filter((r) => r.type === 'aws:sfn/stateMachine:StateMachine');
      const expected = {
        LANDFALL_BUS_NAME: named('Bus').inputs.name,
        LANDFALL_CATALOG_TABLE: named('CatalogTable').inputs.name,
        LANDFALL_IDEMPOTENCY_TABLE: named('IdempotencyTable').inputs.name,
        POWERTOOLS_SERVICE_NAME: config.app,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      };

      // Assess
      for (const name of names) {
        const variables = (lambdaOf(run, name)!.inputs.environment as { variables: Record<string, string> }).variables;
        expect(variables, name).toMatchObject(expected);
        // The ARNs the functions start executions of are those of the deployed state machines.
        expect(JSON.parse(variables.LANDFALL_STATE_MACHINES!), name).toEqual(
          Object.fromEntries(
            machines.map((m) => [
              Object.keys(pipelines).find((p) => m.name === `StateMachine${pascal(p)}`) ??
                `${Object.keys(pipelines).find((p) => m.name === `RunStepsStateMachine${pascal(p)}`)}_run`,
              `arn:aws:states:${config.homeRegion}:123456789012:stateMachine:${String(m.inputs.name)}`,
            ]),
          ),
        );
      }
    });

    it.each(names.map((name) => ({ case: name, name })))(
      'grants $case exactly the actions stacks/permissions.ts declares, none on * but unscopable reads',
      ({ name }) => {
        // Prepare
        const role = named(`${pascal(name)}Role`);
        const inline = (role.inputs.inlinePolicies as { policy: string }[]).flatMap((p) => statements(p.policy));

        // Assess
        expect([...new Set(inline.flatMap((s) => list(s.Action)))].sort()).toEqual(
          declaredActions(name as keyof typeof functionPermissions),
        );
        // Resource * only for actions IAM cannot scope (DescribeJobs), and then for nothing else.
        for (const statement of inline) {
          if (list(statement.Action).every((action) => UNSCOPABLE_ACTIONS.has(action))) continue;
          expect(list(statement.Resource), `${name}: ${JSON.stringify(statement)}`).not.toContain('*');
        }
        // Only Lambda may assume a function's role.
        expect(statements(role.inputs.assumeRolePolicy)).toEqual([
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ]);
      },
    );

    it('allows no IAM statement with every action on every resource anywhere in the program', () => {
      // Assess
      expect(checkNoWildcardAllow(getRun())).toEqual([]);
    });

    it('encrypts every table', () => {
      // Assess
      expect(getRun().resources.filter((r) => r.type === platformTypes.table).length).toBeGreaterThan(0);
      expect(checkTableEncryption(getRun())).toEqual([]);
    });
  });

  describe(`stacks/rules.ts (${label})`, () => {
    it('deploys every rule of events/ exactly once with its target, the forwarders, and nothing else', () => {
      // Assess
      expect(checkEventRules(getRun(), config)).toEqual([]);
    });

    it('sends what EventBridge cannot deliver to a function to a dead-letter queue only Landfall rules may write', () => {
      // Prepare
      const run = getRun();
      const queues = run.resources.filter((r) => r.type === 'aws:sqs/queue:Queue' && r.name === 'EventDeadLetters');
      const lambdaTargets = run.resources.filter(
        (r) => r.type === platformTypes.target && String(r.inputs.arn).startsWith('arn:aws:lambda:'),
      );
      const policy = run.resources.find((r) => r.type === 'aws:sqs/queuePolicy:QueuePolicy' && r.name === 'EventDeadLettersPolicy');

      // Assess
      expect(queues).toHaveLength(1);
      expect(lambdaTargets.length).toBe(buildRules(config).length);
      expect(queues[0]!.arn).toEqual(expect.any(String));
      for (const target of lambdaTargets) expect(target.inputs.deadLetterConfig, target.name).toEqual({ arn: queues[0]!.arn });
      const statement = (JSON.parse(String(policy?.inputs.policy)) as { Statement: Array<Record<string, unknown>> }).Statement;
      expect(statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
      ]);
      expect(JSON.stringify(statement[0]!.Condition)).toContain(`rule/*${config.app}-`);
    });

    it("sends what a forwarder cannot put on the bus to a dead-letter queue in the forwarder's own region", () => {
      // Prepare
      const run = getRun();
      const queues = run.resources.filter((r) => r.type === 'aws:sqs/queue:Queue' && r.name.startsWith('EventDeadLetters'));
      const forwarderTargets = run.resources.filter((r) => r.type === platformTypes.target && r.inputs.arn === named('Bus').arn);

      // Assess: one queue per region with a forwarder, each forwarder target on its own region's queue
      expect(forwarderTargets.length).toBeGreaterThan(0);
      expect(new Set(queues.map((q) => regionOf(run, q)))).toEqual(new Set(forwarderTargets.map((t) => regionOf(run, t))));
      for (const target of forwarderTargets) {
        const queue = queues.find((q) => q.arn === (target.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn);
        expect(queue, `${target.name} has a dead-letter queue`).toBeDefined();
        expect(regionOf(run, queue!), target.name).toBe(regionOf(run, target));
        const policy = run.resources.find((r) => r.type === 'aws:sqs/queuePolicy:QueuePolicy' && r.name === `${queue!.name}Policy`);
        expect(String(policy?.inputs.policy), queue!.name).toContain(`arn:aws:events:${regionOf(run, queue!)}:`);
      }
    });

    it('forwards Batch job state changes from every other region to the home bus', () => {
      // Prepare
      const run = getRun();
      const forwarders = run.resources.filter(
        (r) => r.type === platformTypes.rule && String(r.inputs.eventPattern).includes('Batch Job State Change') && !r.inputs.eventBusName,
      );

      // Assess
      expect(forwarders.map((r) => regionOf(run, r)).sort()).toEqual(config.regions.map((r) => r.name).sort());
      for (const forwarder of forwarders) {
        const target = run.resources.find(
          (t) =>
            t.type === platformTypes.target && t.inputs.rule === forwarder.inputs.name && regionOf(run, t) === regionOf(run, forwarder),
        );
        expect(target?.inputs.arn, forwarder.name).toBe(named('Bus').arn);
        expect(target?.inputs.roleArn, forwarder.name).toBe(named('EventForwardingRole').arn);
      }
    });
  });

  describe(`stacks/workflows.ts (${label})`, () => {
    it.each(Object.values(pipelines).map((pipeline) => ({ case: pipeline.name, pipeline })))(
      'deploys the $case state machine as the builder emits it, with the deployed function ARNs',
      ({ pipeline }) => {
        // Prepare
        const run = getRun();
        const arns = Object.fromEntries(
          Object.entries(workflowFunctionPlaceholders).map(([placeholder, fn]) => [placeholder, lambdaOf(run, fn)!.arn!]),
        );
        const machine = named(`StateMachine${pascal(pipeline.name)}`);

        // Assess
        expect(JSON.parse(String(machine.inputs.definition))).toEqual(substitutePlaceholders(buildStateMachine(pipeline), arns));
        expect(machine.inputs).toMatchObject({
          name: `${config.app}-${run.app.stage}-${pipeline.name}`,
          type: 'STANDARD',
          roleArn: named('StateMachineRole').arn,
        });
      },
    );

    it.each(
      Object.values(pipelines)
        .filter((pipeline) => runSteps(pipeline).length > 0)
        .map((pipeline) => ({ case: pipeline.name, pipeline })),
    )('deploys the $case run-steps state machine as the builder emits it', ({ pipeline }) => {
      // Prepare
      const run = getRun();
      const arns = Object.fromEntries(
        Object.entries(workflowFunctionPlaceholders).map(([placeholder, fn]) => [placeholder, lambdaOf(run, fn)!.arn!]),
      );
      const machine = named(`RunStepsStateMachine${pascal(pipeline.name)}`);
      // Assess
      expect(JSON.parse(String(machine.inputs.definition))).toEqual(substitutePlaceholders(buildRunStateMachine(pipeline), arns));
      expect(machine.inputs).toMatchObject({ name: `${config.app}-${run.app.stage}-${pipeline.name}_run`, type: 'STANDARD' });
    });

    it('lets the state machines invoke the workflow functions and nothing else', () => {
      // Prepare
      const run = getRun();
      const policy = statements(named('StateMachineRolePolicy').inputs.policy);
      const invoked = Object.values(workflowFunctionPlaceholders).map((fn) => lambdaOf(run, fn)!.arn!);

      // Assess
      expect(policy).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunction' })]);
      expect(list(policy[0]!.Resource).sort()).toEqual(invoked.flatMap((arn) => [arn, `${arn}:*`]).sort());
    });
  });
}

/** Tests of each region's network and Batch resources against a recorded run. */
export function batchSuite(
  label: string,
  getRun: () => SstProgramRun,
  config: LandfallConfig,
  expected: { stepRetryRules: unknown; validation: { vcpus: number; memoryMiB: number; timeoutSeconds: number } },
): void {
  const inRegion = (type: string, region: string) => getRun().resources.filter((r) => r.type === type && regionOf(getRun(), r) === region);
  const pipelines = pipelinesOf(config);
  const regions = config.regions.map((region) => ({ case: region.name, region: region.name, quota: region.vcpuQuota }));
  /** Steps that submit Batch jobs of their own (a Nextflow head: `submitsBatchJobs`). */
  const headSteps = Object.values(pipelines).flatMap((pipeline) => pipeline.steps.filter((step) => step.submitsBatchJobs));

  describe(`stacks/network.ts and stacks/batch.ts (${label})`, () => {
    it('gives a step that submits Batch jobs (a Nextflow head) a role of its own; no other step may submit jobs or pass roles', () => {
      // Prepare
      const policiesOf = (role: string) =>
        getRun()
          .resources.filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && String(r.name).startsWith(role))
          .flatMap((r) => statements(r.inputs.policy));
      const actionsOf = (role: string) => new Set(policiesOf(role).flatMap((statement) => list(statement.Action)));
      const headRole = getRun().resources.find((r) => r.type === 'aws:iam/role:Role' && r.name === 'BatchHeadJobRole');

      // Assess
      for (const action of [...actionsOf('StepJobRole')]) expect(action).not.toMatch(/^(batch|iam|ecs|ec2):/);
      if (headSteps.length === 0) return void expect(headRole).toBeUndefined();
      expect(headRole).toBeDefined();
      const head = actionsOf('BatchHeadJobRole');
      // A step job's rights, and the Batch calls Nextflow's awsbatch executor documents as its minimum
      for (const action of [
        ...actionsOf('StepJobRole'),
        'batch:SubmitJob',
        'batch:RegisterJobDefinition',
        'batch:DescribeJobs',
        'batch:TerminateJob',
        'ecs:DescribeContainerInstances',
      ])
        expect(head.has(action), action).toBe(true);
      const passRole = policiesOf('BatchHeadJobRole').filter((statement) => list(statement.Action).includes('iam:PassRole'));
      expect(passRole.flatMap((statement) => list(statement.Resource)).sort()).toEqual(
        [...new Set(headSteps.map((step) => step.submitsBatchJobs!.taskRoleArn))].sort(),
      );
      const work = policiesOf('BatchHeadJobRole')
        .filter((statement) => list(statement.Action).includes('s3:DeleteObject'))
        .flatMap((statement) => list(statement.Resource));
      expect(work.sort()).toEqual(
        [
          ...new Set(headSteps.map((step) => `arn:aws:s3:::${step.submitsBatchJobs!.workDir.slice('s3://'.length).replace(/\/?$/, '/')}*`)),
        ].sort(),
      );
    });

    it("scopes the step jobs' task role: writes only to the work areas, reads inputs, published outputs and the job log", () => {
      // Prepare
      const policy = getRun().resources.find((r) => r.name === 'StepJobRolePolicy');
      const byAction = (action: string) =>
        statements(policy?.inputs.policy)
          .filter((statement) => list(statement.Action).includes(action))
          .flatMap((statement) => list(statement.Resource));

      // Assess
      const writable = byAction('s3:PutObject');
      expect(writable.length).toBe(config.regions.length);
      for (const resource of writable) expect(resource).toMatch(/^arn:aws:s3:::[a-z0-9.-]+\/work\/\*$/);
      expect(byAction('s3:DeleteObject')).toEqual([]);
      const readable = byAction('s3:GetObject');
      expect(readable.filter((resource) => resource.endsWith('/incoming/*'))).toHaveLength(1);
      expect(readable.filter((resource) => resource.endsWith('/teams/*'))).toHaveLength(1);
      expect(
        readable.every((resource) => /\/(incoming|teams|work)\/\*$/.test(resource) || /^arn:aws:s3:::[^/]+\/.+\*$/.test(resource)),
      ).toBe(true);
      expect(byAction('logs:GetLogEvents')).toEqual([
        expect.stringMatching(/^arn:aws:logs:\*:\d{12}:log-group:\/aws\/batch\/job:log-stream:\*$/),
      ]);
      for (const [name, location] of Object.entries(config.references)) {
        const [, bucket, prefix] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location) ?? [];
        expect(readable, `reference ${name}`).toContain(`arn:aws:s3:::${bucket}/${prefix}*`);
      }
    });

    it('gives compute no public IP anywhere', () => {
      // Assess
      // spot and on-demand, for each scratch class
      expect(getRun().resources.filter((r) => r.type === platformTypes.computeEnvironment)).toHaveLength(
        2 * Object.keys(scratchClasses).length * config.regions.length,
      );
      expect(checkNoPublicIps(getRun())).toEqual([]);
    });

    it.each(regions)('$case: private subnets with an S3 gateway endpoint and interface endpoints for ECR, Logs and ECS', ({ region }) => {
      // Prepare
      const endpoints = inRegion('aws:ec2/vpcEndpoint:VpcEndpoint', region);

      // Assess
      expect(inRegion(platformTypes.subnet, region).length).toBeGreaterThanOrEqual(2);
      expect(endpoints.filter((e) => e.inputs.vpcEndpointType === 'Gateway').map((e) => e.inputs.serviceName)).toEqual([
        `com.amazonaws.${region}.s3`,
      ]);
      expect(
        endpoints
          .filter((e) => e.inputs.vpcEndpointType === 'Interface')
          .map((e) => String(e.inputs.serviceName).replace(`com.amazonaws.${region}.`, ''))
          .sort(),
      ).toEqual([
        // A step that submits Batch jobs (a Nextflow head) calls the Batch API; at home there is no way out.
        ...(region === config.homeRegion && headSteps.length > 0 ? ['batch'] : []),
        'ecr.api',
        'ecr.dkr',
        'ecs',
        'ecs-agent',
        'ecs-telemetry',
        'logs',
      ]);
      for (const endpoint of endpoints.filter((e) => e.inputs.vpcEndpointType === 'Interface'))
        expect(endpoint.inputs.privateDnsEnabled, endpoint.name).toBe(true);
    });

    it.each(regions)(
      '$case: a NAT gateway away from home, for reading the home buckets (VPC endpoints serve their own region only)',
      ({ region }) => {
        // Prepare
        const nats = inRegion('aws:ec2/natGateway:NatGateway', region);
        const egress = inRegion('aws:ec2/route:Route', region).filter((route) => route.inputs.destinationCidrBlock === '0.0.0.0/0');
        const environments = inRegion(platformTypes.computeEnvironment, region);
        const computeSubnets = new Set(environments.flatMap((e) => (e.inputs.computeResources as { subnets: string[] }).subnets));

        // Assess
        if (region === config.homeRegion) {
          expect(nats).toEqual([]);
          expect(inRegion('aws:ec2/internetGateway:InternetGateway', region)).toEqual([]);
          expect(egress).toEqual([]);
          return;
        }
        expect(nats).toHaveLength(1);
        // the instances' route table sends everything not local (nor the region's S3, on the endpoint) to it…
        expect(egress.map((route) => route.inputs.natGatewayId)).toEqual([nats[0]!.id]);
        const privateRoutes = inRegion('aws:ec2/routeTableAssociation:RouteTableAssociation', region).filter((association) =>
          computeSubnets.has(String(association.inputs.subnetId)),
        );
        expect(new Set(privateRoutes.map((association) => association.inputs.routeTableId))).toEqual(
          new Set([egress[0]!.inputs.routeTableId]),
        );
        // …and the NAT's own subnet is not one an instance launches into
        expect(computeSubnets.has(String(nats[0]!.inputs.subnetId))).toBe(false);
      },
    );

    it.each(regions)('$case: spot and on-demand environments from zero to the vCPU quota, queues with priorities', ({ region, quota }) => {
      // Prepare
      const environments = inRegion(platformTypes.computeEnvironment, region);
      const queues = inRegion('aws:batch/jobQueue:JobQueue', region);
      const stage = getRun().app.stage;
      const arnOf = (type: string, scratch: ScratchClass = 'standard') =>
        environments.find(
          (e) =>
            (e.inputs.computeResources as { type: string }).type === type &&
            e.inputs.name === computeEnvironmentName(config.app, stage, region, type === 'SPOT' ? 'spot' : 'onDemand', scratch),
        )!.arn;
      const templates = Object.fromEntries(inRegion('aws:ec2/launchTemplate:LaunchTemplate', region).map((t) => [t.inputs.name, t]));

      // Assess
      expect(environments).toHaveLength(4);
      expect(environments.map((e) => e.inputs.computeResources)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'EC2', minVcpus: 0, maxVcpus: quota }),
          expect.objectContaining({ type: 'SPOT', minVcpus: 0, maxVcpus: quota }),
        ]),
      );
      // scratch is the instance's root volume: each class's environments launch from a template with that size
      for (const scratch of Object.keys(scratchClasses) as ScratchClass[]) {
        const template = templates[`${config.app}-${stage}-${region}-${scratch}-scratch`]!;
        expect((template.inputs.blockDeviceMappings as Array<{ ebs: { volumeSize: number; encrypted: string } }>)[0]!.ebs).toMatchObject({
          volumeSize: scratchClasses[scratch].rootVolumeGiB,
          encrypted: 'true',
        });
        for (const type of ['SPOT', 'EC2']) {
          const environment = environments.find((e) => e.arn === arnOf(type, scratch))!;
          expect(
            (environment.inputs.computeResources as { launchTemplate: { launchTemplateId: string } }).launchTemplate.launchTemplateId,
            environment.name,
          ).toBe(template.id);
        }
      }
      const byName = Object.fromEntries(queues.map((q) => [q.inputs.name, q.inputs]));
      // Every queue orders its jobs by their own priority: Batch honours (and accepts) a job's priority only on a
      // queue with a fair-share policy, here one share that every job names (BatchJobService).
      const [policy, ...others] = inRegion('aws:batch/schedulingPolicy:SchedulingPolicy', region);
      expect(others).toEqual([]);
      expect(policy!.inputs).toMatchObject({
        name: schedulingPolicyName(config.app, stage, region),
        fairSharePolicy: {
          computeReservation: 0,
          shareDecaySeconds: 0,
          shareDistributions: [{ shareIdentifier: JOB_SHARE_IDENTIFIER, weightFactor: 1 }],
        },
      });
      expect(queues).toHaveLength(4);
      for (const queue of queues) expect(queue.inputs.schedulingPolicyArn, String(queue.inputs.name)).toBe(policy!.arn);
      // The handlers name the queue from the LANDFALL_STAGE the stack gives them (contracts/names.ts functionStage).
      const variables = (lambdaOf(getRun(), 'submitStep')!.inputs.environment as { variables: Record<string, string> }).variables;
      expect(variables.LANDFALL_STAGE).toBe(getRun().app.stage);
      // submitStep submits to <app>-<stage>-<region>-normal.
      expect(byName[`${config.app}-${getRun().app.stage}-${region}-normal`]).toMatchObject({
        priority: 10,
        computeEnvironmentOrders: [
          { order: 1, computeEnvironment: arnOf('SPOT') },
          { order: 2, computeEnvironment: arnOf('EC2') },
        ],
      });
      expect(byName[`${config.app}-${getRun().app.stage}-${region}-urgent`]).toMatchObject({
        priority: 100,
        computeEnvironmentOrders: [
          { order: 1, computeEnvironment: arnOf('EC2') },
          { order: 2, computeEnvironment: arnOf('SPOT') },
        ],
      });
      // a step with large scratch goes to the same kinds of queue on the large-scratch environments
      expect(byName[jobQueueName(config.app, stage, region, 'normal', 'large')]).toMatchObject({
        priority: 10,
        computeEnvironmentOrders: [
          { order: 1, computeEnvironment: arnOf('SPOT', 'large') },
          { order: 2, computeEnvironment: arnOf('EC2', 'large') },
        ],
      });
      expect(byName[jobQueueName(config.app, stage, region, 'urgent', 'large')]).toMatchObject({
        priority: 100,
        computeEnvironmentOrders: [
          { order: 1, computeEnvironment: arnOf('EC2', 'large') },
          { order: 2, computeEnvironment: arnOf('SPOT', 'large') },
        ],
      });
      expect(queues).toHaveLength(4);
    });

    it.each(regions)(
      '$case: one multi-container job definition per (pipeline, step), with the retry rules jobs are submitted with',
      ({ region }) => {
        // Prepare
        const prefix = `${config.app}-${getRun().app.stage}`;
        const definitions = Object.fromEntries(
          inRegion('aws:batch/jobDefinition:JobDefinition', region).map((d) => [d.inputs.name, d.inputs]),
        );
        const steps = Object.values(pipelines).flatMap((pipeline) => pipeline.steps.map((step) => ({ pipeline: pipeline.name, step })));
        const landfallImage = `123456789012.dkr.ecr.${region}.amazonaws.com/${config.app}-step:${stepImageTag()}`;

        // Assess
        expect(Object.keys(definitions).sort()).toEqual(
          [
            ...steps.map(({ pipeline, step }) => `${prefix}-${pipeline}-${step.name}`),
            ...(region === config.homeRegion ? [`${prefix}-validate`] : []),
          ].sort(),
        );
        for (const { pipeline, step } of steps) {
          const definition = definitions[`${prefix}-${pipeline}-${step.name}`]!;
          expect(definition, step.name).toMatchObject({
            type: 'container',
            platformCapabilities: ['EC2'],
            timeout: { attemptDurationSeconds: step.timeoutSeconds },
            retryStrategy: { attempts: step.attempts, evaluateOnExits: expected.stepRetryRules },
          });
          expect(definition.containerProperties, `${pipeline}/${step.name} is multi-container`).toBeUndefined();
          const [task] = (JSON.parse(String(definition.ecsProperties)) as { taskProperties: EcsTask[] }).taskProperties;
          // The task role is the step jobs' role, or for a step that submits Batch jobs (a Nextflow head) a role of
          // its own (the mocks give IAM ARNs a region; IAM itself has none).
          const roleName = step.submitsBatchJobs ? 'BatchHeadJobRole' : 'StepJobRole';
          const stepJobRole = getRun().resources.find((r) => r.type === 'aws:iam/role:Role' && r.name === roleName);
          expect(task!.taskRoleArn, `the task role is ${roleName}`).toBe(stepJobRole?.arn);
          expect(task!.taskRoleArn).toMatch(/^arn:aws:iam:/);
          expect(task!.volumes).toEqual([{ name: 'landfall' }]);
          const byName = Object.fromEntries(task!.containers.map((container) => [container.name, container]));
          expect(Object.keys(byName)).toEqual(['stage-in', 'tool', 'stage-out']);
          // Stage-in and stage-out are Landfall's; the tool is the step's own image running its own command.
          expect(byName['stage-in']).toMatchObject({ image: landfallImage, command: ['landfall-stage-in'], essential: false });
          expect(byName['stage-out']).toMatchObject({
            image: landfallImage,
            command: ['landfall-stage-out'],
            essential: true,
            dependsOn: [{ containerName: 'tool', condition: 'COMPLETE' }],
          });
          const tool = byName.tool!;
          expect(tool).toMatchObject({ essential: false, dependsOn: [{ containerName: 'stage-in', condition: 'SUCCESS' }] });
          expect(tool.image).toBe(step.image === 'landfall' ? landfallImage : step.image);
          expect(tool.command).toEqual(step.command);
          expect(tool.resourceRequirements).toEqual([
            { type: 'VCPU', value: String(step.vcpus) },
            { type: 'MEMORY', value: String(step.memoryMiB) },
          ]);
          for (const container of task!.containers) {
            expect(container.mountPoints, container.name).toEqual([
              { sourceVolume: 'landfall', containerPath: '/landfall', readOnly: false },
            ]);
            expect(container.logConfiguration).toMatchObject({
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/aws/batch/job', 'awslogs-region': region },
            });
            // The SDK's region is named, never left to the ECS agent (older agents set none).
            expect(container.environment, container.name).toEqual([{ name: 'AWS_REGION', value: region }]);
          }
          if (step.image !== 'landfall') {
            // A lab's tool container carries nothing of Landfall: not its image, programs, or environment.
            // (Its own image may well be in ECR: the README asks labs to mirror tool images there.)
            expect(JSON.stringify(tool)).not.toMatch(/landfall-(step|stage|validate)|LANDFALL_/);
            expect(JSON.stringify(tool)).not.toContain(landfallImage);
          }
        }
        if (region === config.homeRegion) {
          const validation = definitions[`${prefix}-validate`]!;
          expect(JSON.parse(String(validation.containerProperties))).toMatchObject({
            command: ['landfall-validate'],
            environment: [{ name: 'AWS_REGION', value: region }],
            resourceRequirements: [
              { type: 'VCPU', value: String(expected.validation.vcpus) },
              { type: 'MEMORY', value: String(expected.validation.memoryMiB) },
            ],
          });
          expect(validation.timeout).toEqual({ attemptDurationSeconds: expected.validation.timeoutSeconds });
        }
      },
    );

    it('references the step image by a Dockerfile in the repository, without building it', () => {
      // Assess
      expect(existsSync(join(repositoryRoot, STEP_DOCKERFILE))).toBe(true);
      expect(readFileSync(join(repositoryRoot, STEP_DOCKERFILE), 'utf8')).toMatch(/landfall-step[\s\S]*landfall-validate/);
      expect(getRun().resources.filter((r) => /docker|image/i.test(r.type))).toEqual([]);
    });
  });
}
