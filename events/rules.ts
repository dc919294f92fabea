import { bucketNames } from '../config/defineConfig.ts';
import type { LandfallConfig } from '../config/schema.ts';
import { BATCH_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE } from '../contracts/events/batch.ts';
import { ALARM_STATE_CHANGE_DETAIL_TYPE, CLOUDWATCH_SOURCE } from '../contracts/events/cloudwatch.ts';
import { LANDING_PREFIX } from '../contracts/keys.ts';
import { type FunctionName, inactivityAlarmWildcard, VALIDATION_JOB_PREFIX } from '../contracts/names.ts';
import { LANDFALL_SOURCE, RUN_INDEX_DETAIL_TYPES } from '../contracts/events/landfall.ts';
import { OBJECT_CREATED_DETAIL_TYPE, S3_SOURCE } from '../contracts/events/s3.ts';
import { SCHEDULE_SOURCE, SCHEDULED_DETAIL_TYPE } from '../contracts/events/scheduled.ts';
import { FILE_UPLOAD_DETAIL_TYPE, OBJECT_UPLOAD_DETAIL_TYPE, STORAGE_GATEWAY_SOURCE } from '../contracts/events/storage-gateway.ts';

/** How often a scaled-down region's warm floor is matched to its business hours (hour boundaries; lateness is minutes). */
export const BUSINESS_HOURS_CHECK_SECONDS = 300;

export interface RuleDefinition {
  name: string;
  description: string;
  pattern: Record<string, unknown>;
  target: FunctionName;
  /**
   * A schedule rule: in AWS an EventBridge `rate(...)` expression; on the embedded runtime a timer that
   * publishes the same "Scheduled Event" (resources: the rule ARN), which `pattern` then matches.
   */
  scheduleSeconds?: number;
}

/**
 * Every EventBridge rule of Landfall, defined once: the stacks deploy these, the embedded bus runs them.
 * @example buildRules(config).map((rule) => rule.name)
 */
export function buildRules(config: LandfallConfig): RuleDefinition[] {
  const landing = bucketNames(config).landing;
  return [
    {
      name: 'land-s3-object-created',
      description: 'A file reached the landing bucket under incoming/ (S3 → EventBridge)',
      pattern: {
        source: [S3_SOURCE],
        'detail-type': [OBJECT_CREATED_DETAIL_TYPE],
        detail: { bucket: { name: [landing] }, object: { key: [{ prefix: LANDING_PREFIX }] } },
      },
      target: 'land',
    },
    {
      name: 'land-replayed-object',
      description: 'An operator replayed what landed in a window (landfall replay): land each object again',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Object Replayed'], detail: { bucket: [landing] } },
      target: 'land',
    },
    {
      name: 'land-gateway-object-upload',
      description: 'The File Gateway finished uploading a file written to a team share',
      pattern: {
        source: [STORAGE_GATEWAY_SOURCE],
        'detail-type': [OBJECT_UPLOAD_DETAIL_TYPE],
        detail: { 'bucket-name': [landing], 'object-key': [{ prefix: LANDING_PREFIX }] },
      },
      target: 'land',
    },
    {
      name: 'gateway-upload-barrier',
      description: 'Everything written to a team share before NotifyWhenUploaded is in S3: a completeness signal',
      pattern: { source: [STORAGE_GATEWAY_SOURCE], 'detail-type': [FILE_UPLOAD_DETAIL_TYPE] },
      target: 'uploadBarrier',
    },
    {
      name: 'reconcile-runs',
      description: 'Re-evaluate runs still receiving files: settle windows, manifest deadlines, missed events',
      pattern: { source: [SCHEDULE_SOURCE], 'detail-type': [SCHEDULED_DETAIL_TYPE], resources: [{ suffix: ':rule/reconcile-runs' }] },
      target: 'reconcileRuns',
      scheduleSeconds: config.completeness.sweepSeconds,
    },
    {
      name: 'reprocess-requested',
      description: 'An operator asked to re-run landed data: start linked executions',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Reprocess Requested'] },
      target: 'reprocess',
    },
    {
      name: 'validate-landed-file',
      description: 'A FASTQ landed: validate it now (one pass) and keep its verdict for its sample to combine',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['File Landed'] },
      target: 'validateFile',
    },
    {
      name: 'validate-landed-sample',
      description: 'Every expected file of a sample has landed: validate and catalog it',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Sample Landed'] },
      target: 'validate',
    },
    {
      name: 'validation-job-finished',
      description: 'A sample too large to validate inside a function was validated by a Batch job: catalog it',
      pattern: {
        // Batch's own, or Landfall's replay of one whose event was lost (PutEvents refuses `aws.batch`).
        source: [BATCH_SOURCE, LANDFALL_SOURCE],
        'detail-type': [JOB_STATE_CHANGE_DETAIL_TYPE],
        detail: { jobName: [{ prefix: VALIDATION_JOB_PREFIX }], status: ['SUCCEEDED', 'FAILED'] },
      },
      target: 'validationJobFinished',
    },
    {
      name: 'start-cataloged-sample',
      description: 'A good sample version was cataloged: start its one automatic execution',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Sample Cataloged'] },
      target: 'startWorkflow',
    },
    {
      name: 'index-run',
      description: 'A step published or a sample ended: rewrite the run\'s index.json; once every sample is terminal, "Run Completed"',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': [...RUN_INDEX_DETAIL_TYPES] },
      target: 'indexRun',
    },
    {
      name: 'release-held-steps',
      description:
        "A step published or a sample ended: submit the run's later steps held back for its early ones, once none is pending (out of the Publish task)",
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': [...RUN_INDEX_DETAIL_TYPES] },
      target: 'releaseHeldSteps',
    },
    {
      name: 'report-run',
      description: 'Every sample of a run is terminal: write the run-level report (report.json and a self-contained report.html)',
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Run Completed'] },
      target: 'reportRun',
    },
    {
      name: 'complete-job-task',
      description: 'A step job finished in any region: complete the waiting workflow task',
      // RUNNABLE too: a retry after a lost host is how a region's ill health shows (placement re-places its
      // work); RUNNING lets placement count a running job's remaining time.
      pattern: {
        // Batch's own, or Landfall's replay of one whose event was lost (PutEvents refuses `aws.batch`).
        source: [BATCH_SOURCE, LANDFALL_SOURCE],
        'detail-type': [JOB_STATE_CHANGE_DETAIL_TYPE],
        detail: {
          jobName: [{ 'anything-but': { prefix: VALIDATION_JOB_PREFIX } }],
          status: ['SUCCEEDED', 'FAILED', 'RUNNABLE', 'RUNNING'],
        },
      },
      target: 'jobStateChange',
    },
    {
      name: 'publish-region-activity',
      description: "Every idle period: publish each region's submitted, runnable and running jobs, which its inactivity alarm watches",
      pattern: {
        source: [SCHEDULE_SOURCE],
        'detail-type': [SCHEDULED_DETAIL_TYPE],
        resources: [{ suffix: ':rule/publish-region-activity' }],
      },
      target: 'publishActivity',
      scheduleSeconds: config.idle.periodSeconds,
    },
    {
      name: 'scale-down-idle-region',
      description: "A region's inactivity alarm fired: take its warm compute to zero (or its business-hours capacity)",
      pattern: {
        source: [CLOUDWATCH_SOURCE],
        'detail-type': [ALARM_STATE_CHANGE_DETAIL_TYPE],
        // Matched on the alarm's name (a string field of the detail) with a wildcard, both documented in
        // "Content filtering in Amazon EventBridge event patterns" (wildcard matching). Not on the metric inside
        // configuration.metrics: that is an array of objects, and "Arrays in Amazon EventBridge event patterns"
        // documents matching arrays of values only. Names: contracts/names.ts inactivityAlarmName, with the
        // stage in AWS (`<app>-<stage>-idle-<region>`) and without it locally (`<app>-idle-<region>`).
        detail: {
          alarmName: [{ wildcard: inactivityAlarmWildcard(config.app) }],
          state: { value: ['ALARM'] },
        },
      },
      target: 'scaleRegion',
    },
    {
      name: 'region-woke-up',
      description: 'A job runs: if its submission woke a scaled-down region, record the wake-up latency ("Region Woke Up")',
      pattern: { source: [BATCH_SOURCE], 'detail-type': [JOB_STATE_CHANGE_DETAIL_TYPE], detail: { status: ['RUNNING'] } },
      target: 'regionWokeUp',
    },
    ...(config.teams.some((team) => team.notify?.email || team.notify?.chat) ? notifyRules(config) : []),
    ...(config.idle.businessHours.length === 0
      ? []
      : [
          {
            name: 'warm-business-hours',
            description: "A scaled-down region's warm capacity follows its business hours",
            pattern: {
              source: [SCHEDULE_SOURCE],
              'detail-type': [SCHEDULED_DETAIL_TYPE],
              resources: [{ suffix: ':rule/warm-business-hours' }],
            },
            target: 'warmBusinessHours' as const,
            scheduleSeconds: BUSINESS_HOURS_CHECK_SECONDS,
          },
        ]),
  ];
}

/**
 * Messages to people (teams with `notify` only; none when no team has it): failures and rejections wait
 * for their run's batch, a completed run sends the batch and its DONE message, and the batch window's
 * schedule sends batches whose window passed. Each fact is told once per channel (functions/notify/).
 */
function notifyRules(config: LandfallConfig): RuleDefinition[] {
  const teams = config.teams.filter((team) => team.notify?.email || team.notify?.chat).map((team) => team.id);
  return [
    {
      name: 'notify-failures',
      description: "A sample was rejected or failed: it waits for its run's batched message to the team's people",
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Sample Rejected', 'Sample Failed'], detail: { team: teams } },
      target: 'notify',
    },
    {
      name: 'notify-run-done',
      description: "A run is DONE: its pending failures go out now, then one DONE message to the team's people",
      pattern: { source: [LANDFALL_SOURCE], 'detail-type': ['Run Completed'], detail: { team: teams } },
      target: 'notify',
    },
    {
      name: 'notify-batch-window',
      description: "Send each run's batched failures once its batch window passed",
      pattern: { source: [SCHEDULE_SOURCE], 'detail-type': [SCHEDULED_DETAIL_TYPE], resources: [{ suffix: ':rule/notify-batch-window' }] },
      target: 'notify',
      scheduleSeconds: config.notifications.batchSeconds,
    },
  ];
}
