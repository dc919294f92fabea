import landfall from '../landfall.config.ts';
import type { FunctionName } from '../contracts/names.ts';
import { PLACEHOLDERS, stateMachinesOf, substitutePlaceholders } from '../workflows/asl/buildStateMachine.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import { functions } from './functions.ts';
import { stateMachineName } from '../contracts/names.ts';
import { pascal } from './regions.ts';

const stage = $app.stage.toLowerCase();

/** `${SubmitStepFunctionArn}` → 'SubmitStepFunctionArn', by the function it stands for. */
const placeholderNames = Object.entries(PLACEHOLDERS).map(
  ([name, placeholder]) => [name as FunctionName, placeholder.slice(2, -1)] as const,
);
const invoked = placeholderNames.map(([name]) => functions[name]);

/** Step Functions may invoke the functions its Task states name, and nothing else. */
const role = new aws.iam.Role('StateMachineRole', {
  description: 'Landfall state machines: invoke the workflow functions',
  assumeRolePolicy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
});
new aws.iam.RolePolicy('StateMachineRolePolicy', {
  role: role.id,
  policy: $jsonStringify({
    Version: '2012-10-17',
    // `:*` too: lambda:invoke may name a version or alias.
    Statement: [
      {
        Sid: 'InvokeWorkflowFunctions',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: invoked.flatMap((fn) => [fn.arn, $interpolate`${fn.arn}:*`]),
      },
    ],
  }),
});

/** `StateMachine<Pipeline>`, or `RunStepsStateMachine<Pipeline>` for a pipeline's run steps (`<pipeline>_run`). */
function resourceName(logicalName: string): string {
  const run = /^(.*)_run$/.exec(logicalName);
  return run ? `RunStepsStateMachine${pascal(run[1]!)}` : `StateMachine${pascal(logicalName)}`;
}

/**
 * One state machine per pipeline (and one more for a pipeline's run-scope steps), from the same builders the embedded runtime runs, with the function
 * placeholders replaced by the deployed ARNs (an unresolved placeholder fails the deploy, naming it).
 * Raw `aws.sfn.StateMachine`: `sst.aws.StepFunctions` emits JSONata, the builders emit JSONPath ASL.
 */
export const stateMachines: Record<string, aws.sfn.StateMachine> = Object.fromEntries(
  Object.entries(stateMachinesOf(Object.values(pipelinesOf(landfall)))).map(([name, definition]) => [
    name,
    new aws.sfn.StateMachine(resourceName(name), {
      name: stateMachineName(landfall.app, stage, name),
      type: 'STANDARD',
      roleArn: role.arn,
      definition: $util
        .all(invoked.map((fn) => fn.arn))
        .apply((arns) =>
          JSON.stringify(
            substitutePlaceholders(
              definition,
              Object.fromEntries(placeholderNames.map(([, placeholder], index) => [placeholder, arns[index]!])),
            ),
          ),
        ),
    }),
  ]),
);

/** Stack outputs: the state machine ARN of each pipeline (and of its run steps). */
export const outputs = Object.fromEntries(
  Object.entries(stateMachines).map(([name, machine]) => [
    `${resourceName(name)[0]!.toLowerCase()}${resourceName(name).slice(1)}`,
    machine.arn,
  ]),
);
