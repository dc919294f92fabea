/**
 * Checks over the event rules, tables and compute the program declares (as recorded by the offline
 * harness). Like `checks.ts`, each returns violations naming the resource, so a test asserts "none" on the
 * real program and "this one" on a deliberately broken copy.
 */
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { buildRules } from '../../events/rules.ts';
import { teamSubscriptionRules } from '../../events/teamSubscriptions.ts';
import { homeForwarders, physicalPattern, remoteForwarder } from '../../stacks/eventRouting.ts';
import type { RecordedResource, SstProgramRun } from '../support/pulumiHarness.ts';
import { regionOf, type Violation } from './resources.ts';

export const platformTypes = {
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  bus: 'aws:cloudwatch/eventBus:EventBus',
  lambda: 'aws:lambda/function:Function',
  permission: 'aws:lambda/permission:Permission',
  table: 'aws:dynamodb/table:Table',
  computeEnvironment: 'aws:batch/computeEnvironment:ComputeEnvironment',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  subnet: 'aws:ec2/subnet:Subnet',
} as const;

type Run = Pick<SstProgramRun, 'app' | 'resources'>;
const of = (run: Run, type: string) => run.resources.filter((r) => r.type === type);

/** `land-s3-object-created` → `LandS3ObjectCreated`; `reconcileRuns` → `ReconcileRuns` (the stacks' logical names). */
export function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** The Lambda deployed for a function of `functions/registry.ts`. */
export function lambdaOf(run: Run, name: string): RecordedResource | undefined {
  return of(run, platformTypes.lambda).find((r) => r.name === `${pascal(name)}Function`);
}

interface ExpectedRule {
  name: string;
  region: string;
  /** Pattern rules: the bus they must be on and the pattern; schedule rules: the default bus and the expression. */
  bus?: string;
  pattern?: unknown;
  schedule?: boolean;
  /** ARN the rule must target (the function's Lambda, or the bus for forwarders). */
  targetArn?: string;
  /** Lambda that EventBridge must be allowed to invoke for this rule. */
  invokes?: RecordedResource;
}

/**
 * Every rule of `events/` (pipeline rules and team subscriptions) exactly once on Landfall's bus (schedule
 * rules on the default bus) with its target, the forwarders of AWS service events on the default buses,
 * and no rule beyond those.
 */
export function checkEventRules(run: Run, config: LandfallConfig): Violation[] {
  const violation = (resource: string, problem: string): Violation => ({
    check: 'event-rules',
    resource,
    message: `${resource}: ${problem}`,
  });
  const prefix = `${config.app}-${run.app.stage}-`;
  const bus = of(run, platformTypes.bus)[0];
  if (!bus) return [violation('event bus', 'not declared')];
  const base = bucketNames(config);
  const deployed = (name: string) =>
    run.resources.find((r) => r.type === 'aws:s3/bucket:Bucket' && r.id.startsWith(`${name}-${run.app.stage}-`))?.id ?? name;
  const physical = Object.fromEntries(
    [base.landing, base.results, base.quarantine, ...config.regions.map((r) => base.workArea(r.name))].map((name) => [
      name,
      deployed(name),
    ]),
  );

  const violations: Violation[] = [];
  const expected: ExpectedRule[] = [
    ...buildRules(config).map((rule): ExpectedRule => {
      const lambda = lambdaOf(run, rule.target);
      if (!lambda) violations.push(violation(`${prefix}${rule.name}`, `targets ${rule.target}, which has no Lambda`));
      return rule.scheduleSeconds === undefined
        ? {
            name: `${prefix}${rule.name}`,
            region: config.homeRegion,
            bus: String(bus.inputs.name),
            pattern: physicalPattern(rule.pattern, physical),
            targetArn: lambda?.arn,
            invokes: lambda,
          }
        : { name: `${prefix}${rule.name}`, region: config.homeRegion, schedule: true, targetArn: lambda?.arn, invokes: lambda };
    }),
    ...teamSubscriptionRules(config).map(
      (rule): ExpectedRule => ({
        name: `${prefix}${rule.name}`,
        region: config.homeRegion,
        bus: String(bus.inputs.name),
        pattern: rule.pattern,
      }),
    ),
    ...homeForwarders(buildRules(config)).map(
      (forwarder): ExpectedRule => ({
        name: `${prefix}${forwarder.name}`,
        region: config.homeRegion,
        pattern: forwarder.pattern,
        targetArn: bus.arn,
      }),
    ),
    ...config.regions
      .filter((region) => region.name !== config.homeRegion)
      .map(
        (region): ExpectedRule => ({
          name: `${prefix}${remoteForwarder.name}`,
          region: region.name,
          pattern: remoteForwarder.pattern,
          targetArn: bus.arn,
        }),
      ),
  ];

  const rules = of(run, platformTypes.rule);
  const matched = new Set<RecordedResource>();
  for (const want of expected) {
    const label = want.region === config.homeRegion ? want.name : `${want.name} (${want.region})`;
    const found = rules.filter((r) => r.inputs.name === want.name && regionOf(run, r) === want.region);
    found.forEach((r) => matched.add(r));
    if (found.length !== 1) {
      violations.push(violation(label, `deployed ${found.length} times, expected once`));
      continue;
    }
    const rule = found[0]!;
    if ((rule.inputs.eventBusName ?? 'default') !== (want.bus ?? 'default'))
      violations.push(violation(label, `is on bus ${String(rule.inputs.eventBusName ?? 'default')}, expected ${want.bus ?? 'default'}`));
    if (want.schedule && typeof rule.inputs.scheduleExpression !== 'string')
      violations.push(violation(label, 'has no schedule expression'));
    if (want.pattern !== undefined) {
      const pattern = typeof rule.inputs.eventPattern === 'string' ? (JSON.parse(rule.inputs.eventPattern) as unknown) : undefined;
      if (JSON.stringify(pattern) !== JSON.stringify(want.pattern))
        violations.push(violation(label, `pattern ${JSON.stringify(pattern)} differs from ${JSON.stringify(want.pattern)}`));
    }
    const targets = of(run, platformTypes.target).filter((t) => t.inputs.rule === want.name && regionOf(run, t) === want.region);
    if (targets.length === 0) violations.push(violation(label, 'has no target'));
    else if (want.targetArn && !targets.some((t) => t.inputs.arn === want.targetArn))
      violations.push(violation(label, `targets ${targets.map((t) => String(t.inputs.arn)).join(', ')}, expected ${want.targetArn}`));
    if (
      want.invokes &&
      !of(run, platformTypes.permission).some(
        (p) =>
          p.inputs.sourceArn === rule.arn &&
          p.inputs.function === want.invokes!.inputs.name &&
          p.inputs.principal === 'events.amazonaws.com',
      )
    ) {
      violations.push(violation(label, `EventBridge is not allowed to invoke ${want.invokes.name} for this rule`));
    }
  }
  for (const extra of rules.filter((r) => !matched.has(r))) {
    violations.push(
      violation(extra.name, `rule ${String(extra.inputs.name)} (${regionOf(run, extra)}) is neither a rule of events/ nor a forwarder`),
    );
  }
  return violations;
}

/** Every DynamoDB table is encrypted at rest with server-side encryption turned on explicitly. */
export function checkTableEncryption(run: Run): Violation[] {
  return of(run, platformTypes.table)
    .filter((table) => (table.inputs.serverSideEncryption as { enabled?: boolean } | undefined)?.enabled !== true)
    .map((table) => ({
      check: 'table-encryption',
      resource: table.name,
      message: `${table.name} (${table.type}): serverSideEncryption is not enabled`,
    }));
}

/**
 * No Batch instance can get a public IP: every compute environment launches only into declared subnets
 * that never map public IPs, in the environment's own region. The home region has no way to the internet at
 * all; a region away from home reaches the home buckets through a NAT gateway (stacks/network.ts), outbound only.
 */
export function checkNoPublicIps(run: Run): Violation[] {
  const violations: Violation[] = [];
  const subnets = of(run, platformTypes.subnet);
  for (const environment of of(run, platformTypes.computeEnvironment)) {
    const resources = environment.inputs.computeResources as { subnets?: string[]; type?: string } | undefined;
    const ids = resources?.subnets ?? [];
    if (ids.length === 0)
      violations.push({
        check: 'public-ip',
        resource: environment.name,
        message: `${environment.name} (${environment.type}): no subnets, so Batch would pick the default VPC's public ones`,
      });
    for (const id of ids) {
      const subnet = subnets.find((s) => s.id === id);
      if (!subnet)
        violations.push({
          check: 'public-ip',
          resource: environment.name,
          message: `${environment.name} (${environment.type}): subnet ${id} is not one the program declares`,
        });
      else if (subnet.inputs.mapPublicIpOnLaunch !== false)
        violations.push({
          check: 'public-ip',
          resource: environment.name,
          message: `${environment.name} (${environment.type}): subnet ${subnet.name} maps public IPs on launch`,
        });
      else if (regionOf(run, subnet) !== regionOf(run, environment))
        violations.push({
          check: 'public-ip',
          resource: environment.name,
          message: `${environment.name} (${environment.type}): subnet ${subnet.name} is in another region`,
        });
    }
  }
  for (const gateway of run.resources.filter(
    (r) => r.type === 'aws:ec2/internetGateway:InternetGateway' || r.type === 'aws:ec2/natGateway:NatGateway',
  )) {
    if (regionOf(run, gateway) !== run.app.region) continue;
    violations.push({
      check: 'public-ip',
      resource: gateway.name,
      message: `${gateway.name} (${gateway.type}): the home region's compute network must have no way to the internet`,
    });
  }
  return violations;
}
