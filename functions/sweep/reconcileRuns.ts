import { bucketNames } from '../../config/defineConfig.ts';
import type { ScheduledEvent } from '../../contracts/events/scheduled.ts';
import type { LandedFile, RunRecord, SampleRecord } from '../catalog/types.ts';
import { completenessOf, evaluateRun, identityOf, landedFactKey, readRunDocuments } from '../landing/evaluateRun.ts';
import { landingTeamPrefix, parseLandingKey } from '../../contracts/keys.ts';
import { objectReplayed } from '../landing/replayObjects.ts';
import { relayUnpublishedFacts } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import { recoverRunSteps } from '../workflow/runSteps.ts';
import { indexAndConcludeRun } from '../publishing/updateRunIndex.ts';
import type { Services } from '../shared/services.ts';
import { moveStalledJobs } from '../placement/replaceJob.ts';
import { clearAbandonedStaging } from '../publishing/abandonedStaging.ts';
import { announceCataloged } from '../validation/concludeValidation.ts';
import { validateLandedSample } from '../validation/validateLandedSample.ts';
import { releaseDeferredJobs } from '../workflow/earlySteps.ts';
import { redriveRunCompletion } from './redriveRunCompletion.ts';
import { redriveFinishedJobs } from '../workflow/redriveFinishedJobs.ts';
import { announceWorkflowStarted, startVersionExecution } from '../workflow/startVersionExecution.ts';
import { concludeFinishedVersion } from '../workflow/finishSample.ts';

/** A validation not finished after this long died with its process (Lambda runs 15 minutes at most). */
const VALIDATION_STALE_MS = 16 * 60_000;

/**
 * Landed objects the catalog never saw (a missed event): re-driven through `land` as S3 would announce
 * them. At start every one is (the process that was landing them is gone); on schedule only those older
 * than two sweep intervals, so objects whose own events are still on their way under load are not
 * re-driven every sweep.
 */
async function redriveUnseenObjects(svc: Services, startup: boolean, now = Date.now()): Promise<number> {
  const settledBefore = startup ? Infinity : now - 2 * svc.config.completeness.sweepSeconds * 1000;
  const landing = bucketNames(svc.config).landing;
  const known = new Map<string, LandedFile[]>();
  let redriven = 0;
  for (const team of svc.config.teams) {
    for (const object of await svc.storage.list(landing, landingTeamPrefix(team.id))) {
      const where = parseLandingKey(object.key);
      if (!where) continue;
      const runKey = `${where.team}/${where.runId}`;
      if (!known.has(runKey)) known.set(runKey, await svc.catalog.runs.listFiles(where.team, where.runId));
      const file = known.get(runKey)!.find((candidate) => candidate.name === where.name);
      if (file && file.key === object.key && file.etag === object.etag && file.size === object.size) continue;
      if (object.lastModified.getTime() > settledBefore) continue; // its own event may still be in flight
      // Landfall's own event: PutEvents refuses S3's source (`aws.s3`), so an "Object Created" cannot be re-sent.
      await svc.events.publish([objectReplayed(object, (etag) => `redrive:${object.key}:${etag}`, { redrive: true })]);
      redriven++;
    }
  }
  return redriven;
}

/**
 * Runs with a sample still RECEIVING. In a run that is no longer receiving, such a sample was found
 * ready but its "Sample Landed" was not acted on: most often it is on its way to validation, but if the
 * process evaluating the run died before claiming the fact (a claimed one is relayed from the outbox), or
 * claimed it before claims kept their event, only a new evaluation of the run emits it. Evaluating again
 * is harmless otherwise: a published fact is not emitted twice. On schedule only
 * complete (or done) runs qualify, where every sample is ready; an incomplete run's receiving samples are
 * usually just incomplete, and at start every one is looked at once.
 */
async function runsWithUnannouncedSamples(svc: Services, team: string): Promise<Set<string>> {
  return new Set((await svc.catalog.samples.listForTeam(team, 'RECEIVING')).map((sample) => sample.runId));
}

/**
 * A complete run with an expected sample that has no record at all: its evaluation died between marking
 * the run complete and reaching that sample (its earlier samples, announced, have moved on, so nothing
 * RECEIVING points at the run). One query of the run's samples, for runs still COMPLETE only.
 */
async function hasUnrecordedSamples(svc: Services, run: RunRecord): Promise<boolean> {
  if (run.status !== 'COMPLETE') return false;
  const expected = await svc.catalog.runs.expectedSamples(run.team, run.runId, run);
  if (expected.length === 0) return false;
  const recorded = new Set((await svc.catalog.samples.listInRun(run.team, run.runId)).map((sample) => sample.sampleId));
  return expected.some((sampleId) => !recorded.has(sampleId));
}

/**
 * Does one run's (or one of its samples') part of the sweep so that a failure stays with that run: logged,
 * recorded on the run item (`sweepError`, cleared by its next clean sweep) and the sweep goes on with every
 * other run. One bad run used to throw out of the whole sweep, which then dead-lettered every time: crash
 * recovery and re-upload versioning stopped for every team (issue 22, finding 3). True when `work` succeeded.
 */
async function isolated(
  svc: Services,
  run: Pick<RunRecord, 'team' | 'runId'>,
  failed: Set<string>,
  work: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    const where = `${run.team}/${run.runId}`;
    failed.add(where);
    logger.error('the sweep failed on one run and goes on with the others', { run: where, error });
    await svc.catalog.runs
      .recordSweepError(run.team, run.runId, error instanceof Error ? error.message : String(error))
      .catch((recordError: unknown) => logger.error('could not record the sweep error on the run', { run: where, error: recordError }));
    return false;
  }
}

/**
 * Samples whose work stopped with a dead process: VALIDATING long after it began, RECEIVING although their
 * "Sample Landed" went out (its delivery died with the process, or was dead-lettered), READY without an
 * execution, RUNNING without a live execution. Each is re-driven; a dead execution is followed by a
 * linked recovery execution (next generation) that reuses every published step, and one that died ending its
 * version (COMPLETED or FAILED, the sample not yet) is ended here as it would have.
 */
async function recoverSamples(svc: Services, startup: boolean, startedAt: number, failed: Set<string>): Promise<number> {
  let recovered = 0;
  for (const team of svc.config.teams) {
    const stale = (sample: SampleRecord) => startup || Date.now() - Date.parse(sample.updatedAt) >= VALIDATION_STALE_MS;
    // A validation last heard of before this runtime started died with the one before it (the embedded
    // runtime names its start on every sweep): a start-up sweep that failed on its run is made up by the next.
    const orphaned = (sample: SampleRecord) => stale(sample) || Date.parse(sample.updatedAt) < startedAt;
    const validating = (await svc.catalog.samples.listForTeam(team.id, 'VALIDATING')).filter(orphaned);
    // Outside start-up only a recorded announcement counts (one read); at start, a fact the dead process
    // published but did not record on the sample is looked up too.
    const announced = (await svc.catalog.samples.listForTeam(team.id, 'RECEIVING')).filter(
      (sample) => stale(sample) && (startup || sample.landedIdentity !== undefined),
    );
    const byRun = new Map<string, SampleRecord[]>();
    for (const sample of [...validating, ...announced]) {
      const inRun = byRun.get(sample.runId) ?? [];
      inRun.push(sample);
      byRun.set(sample.runId, inRun);
    }
    for (const samples of byRun.values()) {
      await isolated(svc, samples[0]!, failed, async () => {
        // The run's completeness, read once and only for samples that need it.
        let completeness: ReturnType<typeof completenessOf> | undefined;
        const completenessNow = async () => {
          if (completeness) return completeness;
          const files = await svc.catalog.runs.listFiles(team.id, samples[0]!.runId);
          const documents = await readRunDocuments(svc, files);
          return (completeness = completenessOf(svc, { team: team.id, runId: samples[0]!.runId, files, documents, now: Date.now() }));
        };
        for (const sample of samples) {
          // A validation that began recorded its file set: validated again as it was, whatever the run's
          // completeness says now (a run document unreadable at this moment must not strand the sample).
          if (sample.status === 'VALIDATING' && sample.validating) {
            await validateLandedSample(svc, { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, ...sample.validating });
            recovered++;
            continue;
          }
          const sampleFiles = (await completenessNow()).samples.find(
            (candidate) => candidate.sampleId === sample.sampleId && candidate.ready,
          )?.files;
          if (!sampleFiles) {
            // A RECEIVING sample not complete is just still landing; a VALIDATING one is worth a word.
            if (sample.status === 'VALIDATING')
              logger.warn('a sample left validating is not complete now: left to its run’s evaluation', {
                sample: `${sample.team}/${sample.runId}/${sample.sampleId}`,
              });
            continue;
          }
          if (sample.status === 'RECEIVING') {
            const identity = identityOf(sampleFiles);
            // Not announced (or announced for other files): the run's evaluation announces what is new.
            if (sample.landedIdentity !== identity && !(await svc.catalog.facts.wentOut(landedFactKey(sample, identity)))) continue;
            logger.warn('"Sample Landed" went out but its validation never ran: validating now', {
              sample: `${sample.team}/${sample.runId}/${sample.sampleId}`,
            });
          }
          await validateLandedSample(svc, {
            team: sample.team,
            runId: sample.runId,
            sampleId: sample.sampleId,
            files: sampleFiles.map((file) => file.name),
            reads: sampleFiles.map(({ name, label, role, lane, part }) => ({ name, label, role, lane, part })),
          });
          recovered++;
        }
      });
    }
    for (const status of ['READY', 'RUNNING'] as const) {
      for (const sample of await svc.catalog.samples.listForTeam(team.id, status)) {
        if (!sample.currentVersion) continue;
        await isolated(svc, sample, failed, async () => {
          const version = await svc.catalog.samples.getVersion({ ...sample, version: sample.currentVersion! });
          if (version?.status === 'COMPLETED' || version?.status === 'FAILED') {
            // Its execution, if alive, is about to end the sample itself.
            const execution = version.executionArn ? await svc.workflows.describeExecution(version.executionArn) : undefined;
            if (execution?.status === 'RUNNING') return;
            logger.warn('sample whose execution ended its version but not the sample: ending it', {
              sample: `${sample.team}/${sample.runId}/${sample.sampleId}`,
              version: version.version,
              status: version.status,
            });
            await concludeFinishedVersion(svc, version);
            recovered++;
            return;
          }
          if (!version || !['READY', 'RUNNING'].includes(version.status)) return;
          if (!version.workflowStartedAt) {
            // Its "Sample Cataloged" too, if its process died between READY and announcing it.
            if (version.status === 'READY') await announceCataloged(svc, version);
            await startVersionExecution(svc, version, { generation: 0, reason: 'automatic' });
            recovered++;
            return;
          }
          const execution = version.executionArn ? await svc.workflows.describeExecution(version.executionArn) : undefined;
          if (execution?.status === 'RUNNING') return;
          logger.warn('sample without a live execution: starting a linked recovery execution', {
            sample: `${sample.team}/${sample.runId}/${sample.sampleId}`,
            executionArn: version.executionArn,
            status: execution?.status ?? 'unknown',
          });
          // The dead execution's own "Workflow Started", if its process died after recording it and before
          // claiming the fact (a claimed one is relayed from the outbox).
          if (version.executionName && version.executionArn && version.pipeline) {
            await announceWorkflowStarted(svc, {
              team: version.team,
              runId: version.runId,
              sampleId: version.sampleId,
              version: version.version,
              executionName: version.executionName,
              executionArn: version.executionArn,
              pipeline: version.pipeline,
              generation: version.generation ?? 0,
            });
          }
          await startVersionExecution(svc, version, { generation: (version.generation ?? 0) + 1, reason: 'recovery' });
          recovered++;
        });
      }
    }
  }
  return recovered;
}

/**
 * The reconciliation sweep (a schedule rule in AWS, a timer and a run at start on the embedded runtime):
 * facts claimed by a process that died before publishing them are relayed from the outbox, missed landing events are re-driven, runs still receiving files (or with re-uploads settling, or a sample
 * still waiting for its "Sample Landed") are re-evaluated (settle windows, deadlines, facts a dead process
 * claimed but never published), held-back later steps are released, a run's index, "Run Completed" and report
 * are re-driven when what should have driven them was lost (redriveRunCompletion), samples whose process died are
 * recovered, jobs stuck in a region whose queue does not drain are moved to another, and finished jobs
 * whose state change never reached their workflow are re-driven.
 * Missed events and crashes cost latency, never data.
 */
export async function reconcileRuns(svc: Services, event: ScheduledEvent) {
  const startup = (event.detail as { startup?: unknown }).startup === true;
  // When the process running this sweep started (the embedded runtime's sweeps say; a Lambda's do not).
  const startedAt = Date.parse(String((event.detail as { startedAt?: unknown }).startedAt ?? ''));
  // First the outbox: facts a dead process claimed but never published go out as they were claimed.
  const relayed = (await relayUnpublishedFacts(svc, { startup })).length;
  const redriven = await redriveUnseenObjects(svc, startup);
  let evaluated = 0;
  let completions = 0;
  const failed = new Set<string>();
  for (const team of svc.config.teams) {
    const unannounced = await runsWithUnannouncedSamples(svc, team.id);
    for (const run of await svc.catalog.runs.listForTeam(team.id)) {
      const done = await isolated(svc, run, failed, async () => {
        if (run.status === 'COMPLETE') await releaseDeferredJobs(svc, team.id, run.runId);
        if (await redriveRunCompletion(svc, run, { startup })) completions++;
        const reannounce =
          (unannounced.has(run.runId) && (startup || run.status === 'COMPLETE' || run.status === 'DONE')) ||
          (await hasUnrecordedSamples(svc, run));
        if (run.status !== 'RECEIVING' && !run.settlingSamples?.length && !reannounce) return;
        await evaluateRun(svc, team.id, run.runId);
        evaluated++;
      });
      if (done && run.sweepError) await svc.catalog.runs.recordSweepError(run.team, run.runId, undefined);
    }
  }
  const recovered =
    (await recoverSamples(svc, startup, Number.isFinite(startedAt) ? startedAt : Number.NEGATIVE_INFINITY, failed)) +
    (await recoverRunSteps(svc, (team, runId) => indexAndConcludeRun(svc, team, runId)));
  const moved = (await moveStalledJobs(svc)).length;
  const finished = (await redriveFinishedJobs(svc)).length;
  // Staging left by a publish that died: at start, whatever predates this process; on schedule, older than an hour.
  const staged = await clearAbandonedStaging(svc, startup && Number.isFinite(startedAt) ? startedAt : Date.now() - 3_600_000);
  return {
    outcome: relayed + redriven + evaluated + completions + recovered + moved + finished + staged > 0 ? 'reconciled' : 'idle',
    relayed,
    redriven,
    evaluated,
    completions,
    recovered,
    failedRuns: [...failed],
    moved,
    finished,
    staged,
  };
}
