/**
 * Run-scope steps (issue 17): once per run, after every sample of the run that was not rejected has published
 * the steps they need (e.g. MultiQC over every sample's fastp and samtools outputs).
 *
 * What a FAILED sample means for them: it is left out. A sample counts as covered once it has published every
 * step the run steps need; the run steps start when every sample that was not rejected is covered or FAILED,
 * and cover exactly the covered ones (their `{{samplesheet}}` and `{{steps.X}}` folders list no other). If a
 * left-out sample is later reprocessed and publishes what they need, the covered set changes and the run
 * steps run again as a new version (`run-steps/v2/`), as "Run Completed" is emitted once per set of versions.
 *
 * They are cataloged and published under the run's pseudo-sample `.run-steps` (contracts/keys.ts
 * RUN_STEPS_SAMPLE): each distinct covered set is one of its versions (claimed by a conditional write, so the
 * run steps start once per set however often the run is indexed), its steps and outputs under
 * `teams/<team>/runs/<run>/run-steps/v<N>/`. The run is DONE only when its run steps have finished too.
 */
import { createHash } from 'node:crypto';
import { manifestKey, RUN_STEPS_SAMPLE } from '../../contracts/keys.ts';
import { runStateMachine } from '../../contracts/names.ts';
import { type Pipeline, runSteps, sampleSteps } from '../../workflows/pipeline.ts';
import { pipelineNamed } from '../../workflows/pipelines/index.ts';
import { type RunRecord, type SampleRecord, type StepRecord, TERMINAL_SAMPLE_STATUSES, type VersionRecord } from '../catalog/types.ts';
import { isRunTerminal, type RunIndex } from '../publishing/runIndex.ts';
import type { Services } from '../shared/services.ts';
import { executionNameOf } from './executionName.ts';
import { bucketNames } from '../../config/defineConfig.ts';
import type { SamplePayload } from './payloads.ts';
import { counted } from '../../contracts/words.ts';

/** A sample version the run steps cover. */
export interface CoveredSample {
  sampleId: string;
  version: number;
}

/** Where a run stands with its run steps. */
export type RunStepsState =
  | { kind: 'none' }
  | { kind: 'waiting'; reason: string }
  | { kind: 'nothing-to-cover' }
  | { kind: 'running' | 'finished'; version: VersionRecord };

/** The sample-scope steps the pipeline's run steps need from every sample. */
export function neededSampleSteps(pipeline: Pipeline): string[] {
  const sampleStepNames = new Set(sampleSteps(pipeline).map((step) => step.name));
  return [...new Set(runSteps(pipeline).flatMap((step) => step.needs.filter((need) => sampleStepNames.has(need))))];
}

/** One sample of the run as readiness sees it: its status, current version, and the steps that version published. */
export interface SampleProgress {
  sampleId: string;
  status: SampleRecord['status'];
  version?: number;
  /** Not looked at (undefined) when another unfinished sample already holds the run steps back. */
  published?: string[];
}

/** A sample that never counts for the run steps: rejected, or superseded by a newer version. */
const notCounted = (status: SampleRecord['status']) => status === 'REJECTED' || status === 'SUPERSEDED';
/** A sample that may still publish what the run steps need. */
const unfinished = (status: SampleRecord['status']) => !TERMINAL_SAMPLE_STATUSES.includes(status);

/**
 * Whether the run steps may start, and over which samples: every expected sample has a record, and each
 * that was not rejected (or superseded) has published `needs` (covered) or has ended without them (FAILED,
 * or COMPLETED by another pipeline: left out).
 */
export function runStepsReadiness(
  run: Pick<RunRecord, 'status' | 'expectedSamples'>,
  samples: readonly SampleProgress[],
  needs: readonly string[],
): { ready: true; covered: CoveredSample[] } | { ready: false; reason: string } {
  if (run.status === 'RECEIVING' || run.status === 'INCOMPLETE') return { ready: false, reason: `the run is ${run.status}` };
  const known = new Set(samples.map((sample) => sample.sampleId));
  const missing = (run.expectedSamples ?? []).filter((sampleId) => !known.has(sampleId));
  if (missing.length > 0) return { ready: false, reason: `${counted(missing.length, 'expected sample')} not landed yet` };
  const covered: CoveredSample[] = [];
  const pending: string[] = [];
  let unfinishedUnseen = 0;
  for (const sample of samples) {
    if (notCounted(sample.status)) continue;
    if (!sample.published) {
      if (unfinished(sample.status)) unfinishedUnseen++;
    } else if (sample.version !== undefined && needs.every((need) => sample.published!.includes(need)))
      covered.push({ sampleId: sample.sampleId, version: sample.version });
    else if (unfinished(sample.status)) pending.push(sample.sampleId);
  }
  if (pending.length > 0 && unfinishedUnseen > 0)
    return {
      ready: false,
      reason: `${pending.join(', ')} ${pending.length === 1 ? 'has' : 'have'} not published ${needs.join(', ')} yet (and ${counted(unfinishedUnseen, 'more sample')} unfinished)`,
    };
  if (pending.length > 0 || unfinishedUnseen > 0)
    return {
      ready: false,
      reason: `${counted(pending.length + unfinishedUnseen, 'sample')} ${pending.length + unfinishedUnseen === 1 ? 'has' : 'have'} not published ${needs.join(', ')} yet`,
    };
  return { ready: true, covered: covered.sort((a, b) => a.sampleId.localeCompare(b.sampleId)) };
}

/**
 * Why the run steps cannot start yet, when the run's index.json as just written shows it: an unfinished sample
 * that has not published every step they need. Undefined when it does not show that (the catalog decides).
 * The index is rendered from the catalog up to the run's latest change, and the step publication or the end
 * that a waiting sample still owes changes the run again (and so concludes it again): "waiting" from the
 * index is never final. It spares the catalog reads at each of a run's step publications but the last.
 */
export function runStepsWaitingPerIndex(index: Pick<RunIndex, 'samples'>, needs: readonly string[]): string | undefined {
  for (const sample of index.samples) {
    if (notCounted(sample.status) || !unfinished(sample.status)) continue;
    const published = new Set(sample.steps.filter((step) => step.publishedAt).map((step) => step.step));
    if (!needs.every((need) => published.has(need))) return `${sample.sampleId} has not published ${needs.join(', ')} yet`;
  }
  return undefined;
}

/** The version hash of a covered set (the pseudo-sample's version is claimed by it). */
export function coveredDigest(covered: readonly CoveredSample[]): string {
  return `run-steps:${createHash('sha256').update(JSON.stringify(covered)).digest('hex').slice(0, 32)}`;
}

/** The run's pipeline: its team's. */
function pipelineOfRun(svc: Pick<Services, 'config'>, team: string): Pipeline {
  const teamConfig = svc.config.teams.find((candidate) => candidate.id === team);
  if (!teamConfig) throw new Error(`team ${team} is not in the config`);
  return pipelineNamed(svc.config, teamConfig.pipeline);
}

/**
 * Each sample of the run with its current version's published steps, looked up unfinished samples first and
 * one at a time: once one of them lacks a step the run steps need, they cannot start, and no other sample's
 * steps are read (listing every sample's steps at each of the run's step publications made a run's
 * conclusions quadratic in its sample count).
 */
async function sampleProgress(
  svc: Pick<Services, 'catalog'>,
  team: string,
  runId: string,
  needs: readonly string[],
): Promise<SampleProgress[]> {
  const samples = await svc.catalog.samples.listInRun(team, runId);
  const progress: SampleProgress[] = samples.map((sample) => ({
    sampleId: sample.sampleId,
    status: sample.status,
    ...(sample.currentVersion !== undefined && { version: sample.currentVersion }),
  }));
  const order = samples
    .map((_, index) => index)
    .sort((a, b) => Number(unfinished(samples[b]!.status)) - Number(unfinished(samples[a]!.status)));
  for (const index of order) {
    const sample = samples[index]!;
    if (notCounted(sample.status)) continue;
    const steps: StepRecord[] = sample.currentVersion
      ? await svc.catalog.steps.list({ team, runId, sampleId: sample.sampleId, version: sample.currentVersion })
      : [];
    const published = steps.filter((step) => step.publishedAt).map((step) => step.step);
    progress[index]!.published = published;
    if (unfinished(sample.status) && !needs.every((need) => published.includes(need))) break;
  }
  return progress;
}

/**
 * Starts the run's run steps when they are ready and not yet started for this covered set (idempotent: the
 * pseudo-sample's version is claimed by the set's digest, and the execution name is deterministic).
 */
export async function startRunStepsIfReady(
  svc: Services,
  team: string,
  runId: string,
  /** The run's index.json as its caller just wrote it: when it shows a sample still owing a needed step, nothing is read. */
  options: { shown?: Pick<RunIndex, 'samples'> } = {},
): Promise<RunStepsState> {
  const pipeline = pipelineOfRun(svc, team);
  if (runSteps(pipeline).length === 0) return { kind: 'none' };
  const needs = neededSampleSteps(pipeline);
  const waiting = options.shown && runStepsWaitingPerIndex(options.shown, needs);
  if (waiting) return { kind: 'waiting', reason: waiting };
  const run = await svc.catalog.runs.get(team, runId);
  if (!run) return { kind: 'waiting', reason: 'the run is not cataloged yet' };
  // The expected ids live beside the run item (functions/catalog/Runs.ts: bounded whatever a sheet holds).
  const expected = { ...run, expectedSamples: await svc.catalog.runs.expectedSamples(team, runId, run) };
  const readiness = runStepsReadiness(expected, await sampleProgress(svc, team, runId, needs), needs);
  if (!readiness.ready) return { kind: 'waiting', reason: readiness.reason };
  if (readiness.covered.length === 0) return { kind: 'nothing-to-cover' };
  const ref = { team, runId, sampleId: RUN_STEPS_SAMPLE };
  const { version, created } = await svc.catalog.samples.claimVersion(ref, coveredDigest(readiness.covered), [], 'RUNNING');
  const versionRef = { ...ref, version: version.version };
  if (created) await svc.catalog.samples.updateVersion(versionRef, { pipeline: pipeline.name, runSamples: readiness.covered });
  if (version.status === 'COMPLETED' || version.status === 'FAILED') return { kind: 'finished', version };
  const executionName = executionNameOf(versionRef, 0);
  const sample: SamplePayload = {
    ...versionRef,
    pipeline: pipeline.name,
    generation: 0,
    inputs: [],
    runSamples: readiness.covered,
  };
  const started = await svc.workflows.startExecution({
    stateMachine: runStateMachine(pipeline.name),
    name: executionName,
    input: { sample },
  });
  await svc.catalog.executions.markStarted(versionRef, {
    ...versionRef,
    executionName,
    executionArn: started.executionArn,
    pipeline: pipeline.name,
    generation: 0,
    startedAt: started.startDate.toISOString(),
    reason: 'automatic',
  });
  if (run.status === 'DONE') await svc.catalog.runs.update(team, runId, { status: 'PROCESSING' });
  return { kind: 'running', version: { ...version, runSamples: readiness.covered, pipeline: pipeline.name } };
}

/** Whether the team's pipeline has run-scope steps: only then can its runs have run steps to look after. */
export function teamHasRunSteps(config: Services['config'], team: string): boolean {
  const pipeline = config.teams.find((candidate) => candidate.id === team)?.pipeline;
  return pipeline !== undefined && runSteps(pipelineNamed(config, pipeline)).length > 0;
}

/** The latest version of the run's run steps, if any ran. */
export async function latestRunSteps(svc: Pick<Services, 'catalog'>, team: string, runId: string): Promise<VersionRecord | undefined> {
  const versions = await svc.catalog.samples.listVersions({ team, runId, sampleId: RUN_STEPS_SAMPLE });
  return versions.sort((a, b) => b.version - a.version)[0];
}

/**
 * The sweep's part for run steps, on runs not yet DONE whose pipeline has some: run steps whose execution
 * died with a process get a linked recovery execution (next generation; published run steps are reused),
 * and a run whose samples all ended is concluded again (run steps started, or the run DONE), in case the
 * process that should have done it died.
 * @returns how many runs it acted on.
 */
export async function recoverRunSteps(svc: Services, conclude: (team: string, runId: string) => Promise<unknown>): Promise<number> {
  let acted = 0;
  for (const team of svc.config.teams) {
    if (!teamHasRunSteps(svc.config, team.id)) continue;
    for (const run of await svc.catalog.runs.listForTeam(team.id)) {
      if (run.status !== 'COMPLETE' && run.status !== 'PROCESSING') continue;
      const latest = await latestRunSteps(svc, team.id, run.runId);
      if (latest?.status === 'RUNNING') {
        const executions = await svc.catalog.executions.list(latest);
        const current = executions.sort((a, b) => b.generation - a.generation)[0];
        const live = current && (await svc.workflows.describeExecution(current.executionArn));
        if (live?.status === 'RUNNING') continue;
        const generation = (current?.generation ?? -1) + 1;
        const executionName = executionNameOf(latest, generation);
        const pipeline = latest.pipeline ?? team.pipeline;
        const sample: SamplePayload = {
          team: latest.team,
          runId: latest.runId,
          sampleId: latest.sampleId,
          version: latest.version,
          pipeline,
          generation,
          inputs: [],
          runSamples: latest.runSamples ?? [],
        };
        const started = await svc.workflows.startExecution({
          stateMachine: runStateMachine(pipeline),
          name: executionName,
          input: { sample },
        });
        await svc.catalog.executions.markStarted(latest, {
          team: latest.team,
          runId: latest.runId,
          sampleId: latest.sampleId,
          version: latest.version,
          executionName,
          executionArn: started.executionArn,
          pipeline,
          generation,
          startedAt: started.startDate.toISOString(),
          reason: 'recovery',
        });
        acted++;
      } else if (isRunTerminal(run, await svc.catalog.samples.listInRun(team.id, run.runId))) {
        await conclude(team.id, run.runId);
        acted++;
      }
    }
  }
  return acted;
}

/**
 * Run steps that ended (COMPLETED or FAILED) while their manifest.json still says otherwise, or is missing: the
 * process running `Finish run steps` died between recording the end and rewriting the manifest. One read of it.
 */
export async function runStepsManifestBehind(svc: Pick<Services, 'config' | 'storage'>, latest: VersionRecord): Promise<boolean> {
  if (latest.status !== 'COMPLETED' && latest.status !== 'FAILED') return false;
  const results = bucketNames(svc.config).results;
  const key = manifestKey(latest);
  if (!(await svc.storage.head(results, key))) return true;
  try {
    return (JSON.parse((await svc.storage.getBytes(results, key)).toString('utf8')) as { status?: string }).status !== latest.status;
  } catch {
    return true; // unreadable: written again
  }
}
