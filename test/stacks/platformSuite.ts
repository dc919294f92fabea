/**
 * Tests of the functions, rules and state machines, run against a recorded program run that
 * `sst.config.test.ts` shares (each run is a child process taking seconds: one run serves every suite).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LandfallConfig } from '../../config/schema.ts';
import { buildStateMachine, substitutePlaceholders } from '../../workflows/asl/buildStateMachine.ts';
import { pipelines } from '../../workflows/pipelines/index.ts';
import { functionHandlers, workflowFunctionPlaceholders } from '../../functions/registry.ts';
import { declaredActions, functionPermissions } from '../../stacks/permissions.ts';
import { repositoryRoot, type RecordedResource, type SstProgramRun } from '../support/pulumiHarness.ts';
import { checkNoWildcardAllow, regionOf } from './checks.ts';
import { checkEventRules, checkTableEncryption, lambdaOf, pascal, platformTypes } from './platformChecks.ts';

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (policy: unknown): PolicyStatement[] => (JSON.parse(String(policy)) as { Statement: PolicyStatement[] }).Statement;

export function platformSuite(label: string, getRun: () => SstProgramRun, config: LandfallConfig): void {
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

    it.each(names.map((name) => ({ case: name, name })))('deploys $case from its handler file on nodejs22.x arm64 with log retention', async ({ name }) => {
      // Prepare
      const lambda = lambdaOf(getRun(), name);
      const file = join(repositoryRoot, 'functions', `${name}.ts`);

      // Assess
      expect(lambda, `Lambda of ${name}`).toBeDefined();
      expect(lambda!.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: `functions/${name}.handler` });
      expect(existsSync(file)).toBe(true);
      expect(((await import(file)) as { handler: unknown }).handler).toBe(functionHandlers[name as keyof typeof functionHandlers]);
      const logGroup = getRun().resources.find((r) => r.type === 'aws:cloudwatch/logGroup:LogGroup' && r.inputs.name === (lambda!.inputs.loggingConfig as { logGroup: string }).logGroup);
      expect(logGroup?.inputs.retentionInDays).toBe(30);
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
          Object.fromEntries(machines.map((m) => [Object.keys(pipelines).find((p) => m.name === `StateMachine${pascal(p)}`), `arn:aws:states:${config.homeRegion}:123456789012:stateMachine:${String(m.inputs.name)}`])),
        );
      }
    });

    it.each(names.map((name) => ({ case: name, name })))('grants $case exactly the actions stacks/permissions.ts declares, none on *', ({ name }) => {
      // Prepare
      const role = named(`${pascal(name)}Role`);
      const inline = (role.inputs.inlinePolicies as { policy: string }[]).flatMap((p) => statements(p.policy));

      // Assess
      expect([...new Set(inline.flatMap((s) => list(s.Action)))].sort()).toEqual(declaredActions(name as keyof typeof functionPermissions));
      for (const statement of inline) expect(list(statement.Resource), `${name}: ${JSON.stringify(statement)}`).not.toContain('*');
      // Only Lambda may assume a function's role.
      expect(statements(role.inputs.assumeRolePolicy)).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    });

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

    it('forwards Batch job state changes from every other region to the home bus', () => {
      // Prepare
      const run = getRun();
      const forwarders = run.resources.filter((r) => r.type === platformTypes.rule && String(r.inputs.eventPattern).includes('Batch Job State Change') && !r.inputs.eventBusName);

      // Assess
      expect(forwarders.map((r) => regionOf(run, r)).sort()).toEqual(config.regions.map((r) => r.name).sort());
      for (const forwarder of forwarders) {
        const target = run.resources.find((t) => t.type === platformTypes.target && t.inputs.rule === forwarder.inputs.name && regionOf(run, t) === regionOf(run, forwarder));
        expect(target?.inputs.arn, forwarder.name).toBe(named('Bus').arn);
        expect(target?.inputs.roleArn, forwarder.name).toBe(named('EventForwardingRole').arn);
      }
    });
  });

  describe(`stacks/workflows.ts (${label})`, () => {
    it.each(Object.values(pipelines).map((pipeline) => ({ case: pipeline.name, pipeline })))('deploys the $case state machine as the builder emits it, with the deployed function ARNs', ({ pipeline }) => {
      // Prepare
      const run = getRun();
      const arns = Object.fromEntries(Object.entries(workflowFunctionPlaceholders).map(([placeholder, fn]) => [placeholder, lambdaOf(run, fn)!.arn!]));
      const machine = named(`StateMachine${pascal(pipeline.name)}`);

      // Assess
      expect(JSON.parse(String(machine.inputs.definition))).toEqual(substitutePlaceholders(buildStateMachine(pipeline), arns));
      expect(machine.inputs).toMatchObject({ name: `${config.app}-${run.app.stage}-${pipeline.name}`, type: 'STANDARD', roleArn: named('StateMachineRole').arn });
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
