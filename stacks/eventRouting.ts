/**
 * How the rules of `events/rules.ts` map onto EventBridge in AWS. Plain functions (no SST globals), so the
 * stack and its tests share them:
 * - AWS services (S3, Storage Gateway, Batch) publish only to the default bus of their region, and schedule
 *   rules exist only there; Landfall's own rules live on Landfall's bus. Events of the AWS sources the rules
 *   match are forwarded from the home default bus to Landfall's bus, and "Batch Job State Change" from every
 *   other region's default bus too, so each rule of `events/` is deployed once, on Landfall's bus.
 * - Patterns name the config's base bucket names; deployed buckets carry the stage and account.
 */
import { BATCH_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE } from '../contracts/events/batch.ts';
import type { RuleDefinition } from '../events/rules.ts';

/** One forwarding rule: a default bus's events of one AWS source, to Landfall's bus. */
export interface Forwarder {
  name: string;
  pattern: { source: string[]; 'detail-type': string[] };
}

const sourcesOf = (rule: RuleDefinition) =>
  ((rule.pattern.source as unknown[] | undefined) ?? []).filter((source): source is string => typeof source === 'string');
const isAwsSourced = (rule: RuleDefinition) =>
  rule.scheduleSeconds === undefined && sourcesOf(rule).some((source) => source.startsWith('aws.'));

/**
 * The home region's forwarders: one per AWS source that a (non-schedule) rule matches, with the union of
 * those rules' detail-types. Landfall's bus then applies each rule's full pattern.
 *
 * @example homeForwarders(buildRules(config)).map((f) => f.name); // ['forward-aws-s3', 'forward-aws-storagegateway', 'forward-aws-batch']
 */
export function homeForwarders(rules: readonly RuleDefinition[]): Forwarder[] {
  const bySource = new Map<string, Set<string>>();
  for (const rule of rules.filter(isAwsSourced)) {
    // Only AWS's own sources are on the default bus; a rule's Landfall source is published on Landfall's bus.
    for (const source of sourcesOf(rule).filter((candidate) => candidate.startsWith('aws.'))) {
      const types = bySource.get(source) ?? new Set<string>();
      for (const type of (rule.pattern['detail-type'] as string[] | undefined) ?? []) types.add(type);
      bySource.set(source, types);
    }
  }
  return [...bySource].map(([source, types]) => ({
    name: `forward-${source.replace(/\./g, '-')}`,
    pattern: { source: [source], 'detail-type': [...types] },
  }));
}

/** Batch jobs run in every region; their state changes come home (the one AWS event other regions send). */
export const remoteForwarder: Forwarder = {
  name: 'forward-batch-job-state-change',
  pattern: { source: [BATCH_SOURCE], 'detail-type': [JOB_STATE_CHANGE_DETAIL_TYPE] },
};

/**
 * The pattern with every string value equal to a key of `names` replaced by its value (base → deployed
 * bucket name); everything else is kept as is.
 *
 * @example physicalPattern({ detail: { bucket: { name: ['landfall-landing'] } } }, { 'landfall-landing': 'landfall-landing-prod-1234' })
 */
export function physicalPattern<T>(pattern: T, names: Record<string, string>): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return Object.hasOwn(names, value) ? names[value] : value;
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    return value;
  };
  return walk(pattern) as T;
}

/**
 * EventBridge `rate(...)` for a sweep interval: whole minutes (the finest a schedule rule allows), rounded up.
 *
 * @example scheduleExpression(60); // 'rate(1 minute)'
 */
export function scheduleExpression(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}
