import type { Services } from '../shared/services.ts';
import { failedStepOf } from '../catalog/Steps.ts';
import type { StepRecord } from '../catalog/types.ts';
import { knownNames, RequestError } from './errors.ts';
import { requireSample } from './lookup.ts';

/** Which log `landfall logs` (and the dashboard's step link) asks for. */
export interface StepLogRequest {
  team: string;
  runId: string;
  sampleId: string;
  /** @default the failed step, else the one running, else the last started */
  step?: string;
  /** 1-based. @default the step's latest attempt */
  attempt?: number;
  /** Cursor from the previous page (`next`): only what was written since. */
  after?: string;
}

/** One page of a step attempt's log, and whether more can still be written (`--follow` stops when not). */
export interface StepLogPage {
  team: string;
  runId: string;
  sampleId: string;
  version: number;
  step: string;
  status: StepRecord['status'];
  attempt: number;
  attempts: number;
  lines: string[];
  next: string;
  /** The step ended: nothing more will be written to this attempt. */
  finished: boolean;
}

/** The step a request means when it names none: the one that failed, else the one running, else the last started. */
function defaultStep(steps: StepRecord[]): StepRecord | undefined {
  const byStart = [...steps].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  return failedStepOf(byStart) ?? byStart.findLast((step) => step.status === 'RUNNING') ?? byStart.at(-1);
}

/**
 * What a step's job wrote (stdout and stderr) for the current version of a sample, through the
 * {@link Services.jobLogs} seam: the local executor's attempt log, or the Batch job's CloudWatch Logs stream.
 * Unknown sample, step or attempt: a {@link RequestError} naming what exists.
 *
 * @example const page = await readStepLog(svc, { team: 'genomics', runId, sampleId: 'S1', step: 'trim' });
 */
export async function readStepLog(svc: Pick<Services, 'catalog' | 'jobs' | 'jobLogs'>, request: StepLogRequest): Promise<StepLogPage> {
  const { team, runId, sampleId } = request;
  const name = `${team}/${runId}/${sampleId}`;
  const sample = await requireSample(svc.catalog, { team, runId, sampleId });
  if (!sample.currentVersion) throw new RequestError('refused', `sample ${name} has no version yet (${sample.status}): no step has run`);
  const version = sample.currentVersion;
  const steps = await svc.catalog.steps.list({ team, runId, sampleId, version });
  const step = request.step ? steps.find((known) => known.step === request.step) : defaultStep(steps);
  if (!step)
    throw new RequestError(
      request.step ? 'unknown' : 'refused',
      request.step
        ? `sample ${name} v${version} has no step ${request.step}; steps that ran: ${knownNames(steps.map((known) => known.step))}`
        : `no step of sample ${name} v${version} has started yet (${sample.status})`,
    );
  // A running step's record has neither its job id nor its attempt yet: the job record and Batch have them.
  const jobId = step.jobId ?? (await svc.catalog.jobs.get(step.jobName))?.jobId;
  const running = step.status === 'RUNNING' && jobId ? await svc.jobs.describe(jobId, step.region) : undefined;
  const attempts =
    step.attempt ?? Math.max(1, (running?.attempts.length ?? 0) + (running && ['STARTING', 'RUNNING'].includes(running.status) ? 1 : 0));
  const attempt = request.attempt ?? attempts;
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > attempts)
    throw new RequestError(
      'unknown',
      `step ${step.step} of ${name} has attempt${attempts === 1 ? '' : 's'} 1${attempts > 1 ? `..${attempts}` : ''}, not ${request.attempt}`,
    );
  const page = jobId
    ? await svc.jobLogs.readAttemptLog(
        { jobId, jobName: step.jobName, region: step.region, attempt },
        { ...(request.after !== undefined && { after: request.after }) },
      )
    : undefined;
  const finished = step.status !== 'RUNNING' || attempt < attempts;
  return {
    team,
    runId,
    sampleId,
    version,
    step: step.step,
    status: step.status,
    attempt,
    attempts,
    lines: page?.lines ?? [],
    next: page?.next ?? request.after ?? '',
    finished,
  };
}
