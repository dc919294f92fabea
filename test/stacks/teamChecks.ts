/**
 * Isolation checks over the per-team resources `stacks/teams.ts` declares (as recorded by the offline
 * harness): each team's role and access point reach its own `teams/<team>/` prefix of the results bucket
 * through its own access point, and nothing else.
 */
import type { RecordedResource, SstProgramRun } from '../support/pulumiHarness.ts';

export const teamTypes = {
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  accessPoint: 'aws:s3/accessPoint:AccessPoint',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  bus: 'aws:cloudwatch/eventBus:EventBus',
} as const;

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: { AWS?: string; Service?: string };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function statementsOf(resource: RecordedResource): Statement[] {
  const policy =
    typeof resource.inputs.policy === 'string'
      ? (JSON.parse(resource.inputs.policy) as { Statement: Statement[] })
      : (resource.inputs.policy as { Statement: Statement[] });
  return list(policy.Statement);
}

/** The resources of one team, by logical name (`Team<Id>Role`, …). */
export function teamResource(run: Pick<SstProgramRun, 'resources'>, id: string, kind: string): RecordedResource | undefined {
  return run.resources.find((r) => r.name === `Team${id}${kind}`);
}

/**
 * Problems with one team's isolation, in words naming the resource; empty when its role policy and its
 * access point policy allow only reads of `teams/<team>/` through the team's own access point, its own
 * queue/topic, and decryption via S3 — with no landing or quarantine bucket and no other team anywhere.
 *
 * @example
 * expect(teamIsolationProblems(run, { team: 'genomics', id: 'Genomics', otherTeams: ['microbio'] })).toEqual([]);
 */
export function teamIsolationProblems(
  run: Pick<SstProgramRun, 'resources'>,
  expected: { team: string; id: string; otherTeams: string[] },
): string[] {
  const problems: string[] = [];
  const role = teamResource(run, expected.id, 'Role');
  const rolePolicy = teamResource(run, expected.id, 'RolePolicy');
  const accessPoint = teamResource(run, expected.id, 'AccessPoint');
  if (!role || !rolePolicy || !accessPoint)
    return [
      `team ${expected.team}: missing ${[!role && 'role', !rolePolicy && 'role policy', !accessPoint && 'access point'].filter(Boolean).join(', ')}`,
    ];
  const pointArn = `arn:aws:s3:eu-west-1:123456789012:accesspoint/${String(accessPoint.inputs.name)}`;
  const objects = `${pointArn}/object/teams/${expected.team}/*`;
  const forbidden = ['landfall-landing', 'landfall-quarantine', 'incoming/', ...expected.otherTeams];
  const results = run.resources.find((r) => r.name === 'ResultsBucket');
  if (accessPoint.inputs.bucket !== results?.id)
    problems.push(`${accessPoint.name}: on bucket ${String(accessPoint.inputs.bucket)}, not the results bucket`);

  for (const [resource, statements] of [
    [rolePolicy, statementsOf(rolePolicy)],
    [accessPoint, statementsOf(accessPoint)],
  ] as const) {
    const text = JSON.stringify(resource.inputs.policy);
    for (const word of forbidden) if (text.includes(word)) problems.push(`${resource.name}: policy mentions ${word}`);
    for (const [index, statement] of statements.entries()) {
      const where = `${resource.name} Statement[${index}]`;
      if (statement.Effect !== 'Allow') continue;
      for (const action of list(statement.Action)) {
        if (action.includes('*')) problems.push(`${where}: wildcard action ${action}`);
        if (action.startsWith('s3:') && !['s3:GetObject', 's3:ListBucket'].includes(action))
          problems.push(`${where}: ${action} is more than reading`);
      }
      for (const target of list(statement.Resource)) {
        if (target.startsWith('arn:aws:s3:') && target !== pointArn && target !== objects)
          problems.push(`${where}: S3 resource ${target} is not ${objects} or the access point itself`);
      }
      if (list(statement.Action).includes('s3:ListBucket')) {
        const prefixes = list(statement.Condition?.StringLike?.['s3:prefix'] as string | string[] | undefined);
        if (prefixes.length === 0 || prefixes.some((p) => !p.startsWith(`teams/${expected.team}/`)))
          problems.push(`${where}: listing is not limited to teams/${expected.team}/ (s3:prefix ${JSON.stringify(prefixes)})`);
      }
      if (resource === accessPoint && statement.Principal?.AWS !== role.arn)
        problems.push(`${where}: principal ${JSON.stringify(statement.Principal)} is not ${role.name}`);
    }
  }
  return problems;
}
