import type { LandfallConfig, TeamConfig } from '../config/schema.ts';
import { LANDFALL_SOURCE } from '../contracts/events/landfall.ts';

/**
 * The detail-types a team is told about: the facts about ITS runs and samples. Internal steps of the
 * pipeline ("Sample Landed", job state changes, schedules) and platform events ("Region Woke Up") are not
 * team-facing.
 */
export const TEAM_FACING_DETAIL_TYPES = [
  'Sample Cataloged',
  'Sample Rejected',
  'Workflow Started',
  'Step Output Published',
  'Sample Completed',
  'Sample Failed',
  'Run Incomplete',
  'Unexpected File',
  'Run Completed',
] as const;

export type TeamFacingDetailType = (typeof TEAM_FACING_DETAIL_TYPES)[number];

/**
 * Landfall detail-types deliberately NOT delivered to teams: steps inside the platform (a sample's files
 * landed, an operator's reprocess request) and platform events without a team. Every detail-type of
 * contracts/events/landfall.ts is in exactly one of the two lists (a test holds that), so a new event type
 * needs a decision instead of silently reaching, or missing, the teams.
 */
export const INTERNAL_DETAIL_TYPES = [
  'Sample Landed',
  'File Landed',
  'Object Replayed',
  'Reprocess Requested',
  'Region Scaled Down',
  'Region Woke Up',
] as const;

/** The EventBridge pattern of one team's subscription: Landfall's team-facing events whose `detail.team` is that team. */
export interface TeamSubscriptionPattern {
  source: [typeof LANDFALL_SOURCE];
  'detail-type': TeamFacingDetailType[];
  detail: { team: [string] };
}

/**
 * One team's subscription, defined once: the stacks deploy `pattern` as an EventBridge rule with `aws`
 * targets; the embedded runtime matches the same `pattern` and delivers to the `embedded` targets.
 */
export interface TeamSubscriptionRule {
  /** Rule name, unique per team: `team-<team>-events`. */
  name: string;
  description: string;
  team: string;
  pattern: TeamSubscriptionPattern;
  targets: {
    /** Physical names of the AWS targets (absent: not subscribed). */
    aws: { snsTopic?: string; sqsQueue?: string };
    /** Embedded runtime targets: the team's JSON-lines outbox and an optional loopback webhook. */
    embedded: { outbox: boolean; webhookUrl?: string };
  };
}

/** `<app>-team-<team>-events`: the team's SNS topic and SQS queue share this name (each its own namespace). */
export function teamTargetName(config: Pick<LandfallConfig, 'app'>, team: string): string {
  return `${config.app}-team-${team}-events`;
}

/** The EventBridge pattern matching exactly one team's team-facing events. */
export function teamSubscriptionPattern(team: string): TeamSubscriptionPattern {
  return { source: [LANDFALL_SOURCE], 'detail-type': [...TEAM_FACING_DETAIL_TYPES], detail: { team: [team] } };
}

function subscriptionRule(config: Pick<LandfallConfig, 'app'>, team: TeamConfig): TeamSubscriptionRule {
  const subscriptions = team.subscriptions ?? {};
  const targetName = teamTargetName(config, team.id);
  return {
    name: `team-${team.id}-events`,
    description: `Team ${team.id}: every fact about its runs and samples, delivered to the team`,
    team: team.id,
    pattern: teamSubscriptionPattern(team.id),
    targets: {
      aws: {
        ...(subscriptions.snsTopic === true ? { snsTopic: targetName } : {}),
        // The SQS queue is the AWS counterpart of the outbox (a durable log the team pulls), so on by default.
        ...(subscriptions.sqsQueue !== false ? { sqsQueue: targetName } : {}),
      },
      embedded: {
        outbox: subscriptions.outbox !== false,
        ...(subscriptions.webhookUrl ? { webhookUrl: subscriptions.webhookUrl } : {}),
      },
    },
  };
}

/**
 * One subscription rule per team of the config, used by both runtimes.
 *
 * @example
 * for (const rule of teamSubscriptionRules(config)) {
 *   // AWS: new aws.cloudwatch.EventRule(rule.name, { eventPattern: JSON.stringify(rule.pattern) }) + targets.aws
 *   // embedded: TeamDelivery matches rule.pattern and writes targets.embedded
 * }
 */
export function teamSubscriptionRules(config: Pick<LandfallConfig, 'app' | 'teams'>): TeamSubscriptionRule[] {
  return config.teams.map((team) => subscriptionRule(config, team));
}
