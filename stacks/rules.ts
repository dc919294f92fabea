import landfall from '../landfall.config.ts';
import { bucketNames } from '../config/defineConfig.ts';
import { buildRules, type RuleDefinition } from '../events/rules.ts';
import { bus } from './bus.ts';
import { StacksError } from './errors.ts';
import { homeForwarders, physicalPattern, remoteForwarder, scheduleExpression, type Forwarder } from './eventRouting.ts';
import { functions } from './functions.ts';
import { otherRegions, pascal, providerFor } from './regions.ts';
import { landing, quarantine, results, staging } from './storage.ts';

const stage = $app.stage.toLowerCase();
const base = bucketNames(landfall);

/** Base bucket name (what `events/` patterns say) → deployed name. */
const deployedBucketNames = $util
  .all([
    landing.bucket.bucket,
    results.bucket.bucket,
    quarantine.bucket.bucket,
    ...[...staging.values()].map(({ bucket }) => bucket.bucket),
  ])
  .apply(([landingName, resultsName, quarantineName, ...stagingNames]) => ({
    [base.landing]: landingName,
    [base.results]: resultsName,
    [base.quarantine]: quarantineName,
    ...Object.fromEntries([...staging.keys()].map((region, index) => [base.workArea(region), stagingNames[index]!])),
  }));

/** Checked before any resource is declared: AWS refuses longer rule names, halfway through a deploy. */
function ruleName(name: string): string {
  const full = `${landfall.app}-${stage}-${name}`;
  if (full.length > 64)
    throw new StacksError(
      `event rule name "${full}" would be ${full.length} characters; AWS allows 64. Shorten "app" in landfall.config.ts or the stage name "${stage}".`,
    );
  return full;
}

/**
 * Where EventBridge puts an event it could not deliver (a function throttled, deleted or refusing the
 * invocation; Landfall's bus unreachable from a forwarder; after the retry policy: 24 hours, 185 attempts):
 * kept 14 days for a person to replay, instead of dropped. One queue per region that has rules, beside the
 * rules that use it, and only Landfall's rules in that region may send to it.
 */
function deadLetterQueue(region?: string): aws.sqs.Queue {
  const suffix = region ? pascal(region) : '';
  const provider = region ? providerFor(region) : undefined;
  const queue = new aws.sqs.Queue(
    `EventDeadLetters${suffix}`,
    { name: `${landfall.app}-${stage}-event-dead-letters`, messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
    { provider },
  );
  const ruleArnPattern = $interpolate`arn:aws:events:${region ?? landfall.homeRegion}:${aws.getCallerIdentityOutput({}).accountId}:rule/*${landfall.app}-${stage}-*`;
  new aws.sqs.QueuePolicy(
    `EventDeadLetters${suffix}Policy`,
    {
      queueUrl: queue.url,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'LandfallRulesOnly',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queue.arn,
            Condition: { ArnLike: { 'aws:SourceArn': ruleArnPattern } },
          },
        ],
      }),
    },
    { provider },
  );
  return queue;
}

/** The home region's dead-letter queue: every rule of `events/rules.ts` and the home forwarders. */
export const eventDeadLetters = deadLetterQueue();
/** Each other region's dead-letter queue, for its Batch job state change forwarder. */
const remoteDeadLetters: Record<string, aws.sqs.Queue> = Object.fromEntries(
  otherRegions.map((region) => [region, deadLetterQueue(region)]),
);

/**
 * One rule of `events/rules.ts` with its function as target (undeliverable events to the dead-letter queue)
 * and the permission for EventBridge (this rule only) to invoke it. Pattern rules go on Landfall's bus; schedule rules can only live on the default bus.
 */
function deployRule(definition: RuleDefinition): aws.cloudwatch.EventRule {
  const id = `Rule${pascal(definition.name)}`;
  const target = functions[definition.target];
  if (!target)
    throw new StacksError(
      `event rule ${definition.name} targets function ${definition.target}, which has no Lambda: declare its permissions in stacks/permissions.ts`,
    );
  const schedule = definition.scheduleSeconds !== undefined;
  const rule = new aws.cloudwatch.EventRule(id, {
    name: ruleName(definition.name),
    description: definition.description,
    ...(schedule
      ? { scheduleExpression: scheduleExpression(definition.scheduleSeconds!) }
      : {
          eventBusName: bus.name,
          eventPattern: deployedBucketNames.apply((names) => JSON.stringify(physicalPattern(definition.pattern, names))),
        }),
  });
  new aws.cloudwatch.EventTarget(`${id}Target`, {
    rule: rule.name,
    ...(schedule ? {} : { eventBusName: bus.name }),
    arn: target.arn,
    deadLetterConfig: { arn: eventDeadLetters.arn },
  });
  new aws.lambda.Permission(`${id}Invoke`, {
    action: 'lambda:InvokeFunction',
    function: target.name,
    principal: 'events.amazonaws.com',
    sourceArn: rule.arn,
  });
  return rule;
}

/** Every rule of `events/rules.ts`, once each, by rule name. */
export const rules: Record<string, aws.cloudwatch.EventRule> = Object.fromEntries(
  buildRules(landfall).map((definition) => [definition.name, deployRule(definition)]),
);

/** Lets EventBridge put forwarded events on Landfall's bus, and nowhere else. */
const forwardingRole = new aws.iam.Role('EventForwardingRole', {
  description: "Forwards AWS service events from default buses to Landfall's bus",
  assumeRolePolicy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
});
new aws.iam.RolePolicy('EventForwardingRolePolicy', {
  role: forwardingRole.id,
  policy: $jsonStringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'PutOnLandfallBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: bus.arn }],
  }),
});

/** A rule on `region`'s default bus sending `forwarder`'s events to Landfall's bus (cross-region when remote). */
function forward(forwarder: Forwarder, region?: string): aws.cloudwatch.EventRule {
  const id = `Forward${pascal(forwarder.name.replace(/^forward-/, ''))}${region ? pascal(region) : ''}`;
  const provider = region ? providerFor(region) : undefined;
  const rule = new aws.cloudwatch.EventRule(
    id,
    {
      name: ruleName(forwarder.name),
      description: `Forward ${forwarder.pattern['detail-type'].join(', ')} to Landfall's bus`,
      eventPattern: JSON.stringify(forwarder.pattern),
    },
    { provider },
  );
  const deadLetters = region ? remoteDeadLetters[region]! : eventDeadLetters;
  new aws.cloudwatch.EventTarget(
    `${id}Target`,
    { rule: rule.name, arn: bus.arn, roleArn: forwardingRole.arn, deadLetterConfig: { arn: deadLetters.arn } },
    { provider },
  );
  return rule;
}

/** Forwarders by region: the home default bus's, then one per other region for Batch job state changes. */
export const forwarders: Record<string, aws.cloudwatch.EventRule[]> = {
  [landfall.homeRegion]: homeForwarders(buildRules(landfall)).map((forwarder) => forward(forwarder)),
  ...Object.fromEntries(otherRegions.map((region) => [region, [forward(remoteForwarder, region)]])),
};
