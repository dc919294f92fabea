/**
 * A step's Batch job as Landfall submits it: its manifest (what the job's stage-in fetches and where its
 * stage-out uploads), stored beside the job's work area, and the job spec — three containers (stage-in, the
 * step's tool with its command expanded for this job, stage-out) sharing one volume. No bytes are copied
 * here: the job reads its inputs from wherever they are, so a 40 GiB sample placed in another region costs
 * this function nothing (issue 18, defect 4).
 */
import { bucketNames } from '../../config/defineConfig.ts';
import type { Pipeline, StepDefinition } from '../../config/pipeline.ts';
import { placeholdersOf } from '../../config/pipeline.ts';
import type { ManifestRead } from '../../contracts/jobPayload.ts';
import { type JobManifest, type ManifestRef, READ_LABELS, serializeJobManifest } from '../../contracts/jobPayload.ts';
import { stepOutputPrefix, type VersionRef } from '../../contracts/keys.ts';
import { functionStage, jobQueueName, stepJobDefinitionName } from '../../contracts/names.ts';
import { jobManifestKey } from '../../contracts/workArea.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { CommandExpansionError, expandCommand } from '../../workflows/job/expandCommand.ts';
import { globMatcher } from '../../workflows/job/globs.ts';
import { stepJobContainers } from '../../workflows/job/stepContainers.ts';
import { VOLUME_PATH } from '../../workflows/job/volume.ts';
import type { Services } from '../shared/services.ts';
import type { SamplePayload } from './payloads.ts';

/**
 * Retry rules every step job carries: a lost host (spot interruption, region outage) is retried, anything
 * else (the tool failed on its input) exits at once — retrying would fail the same way.
 */
export const STEP_RETRY_RULES: NonNullable<JobSpec['evaluateOnExit']> = [
  { onStatusReason: 'Host EC2*', action: 'RETRY' },
  { onReason: '*', action: 'EXIT' },
];

/** The sample-sheet values `{{param.<Column>}}` sees: the sample's own, else the pipeline's defaults. */
export function stepParams(pipeline: Pick<Pipeline, 'paramDefaults'>, sample: Pick<SamplePayload, 'params'>): Record<string, string> {
  const own = Object.fromEntries(Object.entries(sample.params ?? {}).filter(([, value]) => value.trim() !== ''));
  return { ...pipeline.paramDefaults, ...own };
}

/**
 * Which of the config's references a sample's step uses: its sample-sheet column, else the step's default.
 *
 * @throws CommandExpansionError when the sample names none and there is no default, or names an unknown one
 */
export function chooseReference(
  step: Pick<StepDefinition, 'name' | 'reference'>,
  params: Record<string, string>,
  references: Record<string, string>,
): { name: string; location: string } | undefined {
  if (!step.reference) return undefined;
  const name = params[step.reference.column] || step.reference.default;
  if (!name)
    throw new CommandExpansionError(
      `step ${step.name}: the sample sheet names no reference in column ${step.reference.column} and the step has no default`,
    );
  const location = references[name];
  if (!location)
    throw new CommandExpansionError(
      `step ${step.name}: reference ${name} (column ${step.reference.column}) is not one of the config's references [${Object.keys(references).join(', ')}]`,
    );
  return { name, location };
}

/** A sample's landed files as the manifest lists them (lanes and labels as cataloged; only read files). */
export function manifestReads(inputs: SamplePayload['inputs']): ManifestRead[] {
  return inputs
    .filter((input) => (READ_LABELS as readonly string[]).includes(input.read))
    .map((input) => ({
      bucket: input.bucket,
      key: input.key,
      size: input.size,
      md5: input.md5,
      label: input.read as ManifestRead['label'],
      lane: input.lane,
      name: input.name,
      ...(input.role && { role: input.role }),
      ...(input.part && { part: input.part }),
    }));
}

/** The earlier steps whose outputs the command names (`{{steps.X}}`): only those are staged. */
export function stagedSteps(step: Pick<StepDefinition, 'command'>): string[] {
  return [...new Set(placeholdersOf(step).flatMap((placeholder) => (placeholder.kind === 'steps' ? [placeholder.step] : [])))];
}

/**
 * Whether the step's command names the sample's reads (`{{reads.<label>}}`): only then does stage-in fetch them.
 * A step that reads only earlier steps' outputs (dna-align's align and stats) must not pay for the landed FASTQs.
 */
export function stagesReads(step: Pick<StepDefinition, 'command'>): boolean {
  return placeholdersOf(step).some((placeholder) => placeholder.kind === 'reads');
}

/**
 * Published outputs of `step` of one sample version, as `{{steps.<step>}}` files: those matching the consuming
 * step's `stageIn` globs for it, when it has some.
 * @throws CommandExpansionError when the step has not published, or no output matches the globs
 */
async function publishedOutputs(
  svc: Pick<Services, 'catalog' | 'config'>,
  ref: VersionRef,
  step: string,
  options: { sampleId?: string; globs?: readonly string[] } = {},
) {
  const record = await svc.catalog.steps.get(ref, step);
  if (!record?.publishedAt)
    throw new CommandExpansionError(`{{steps.${step}}}: step ${step} of ${ref.sampleId} v${ref.version} has not published its outputs`);
  const results = bucketNames(svc.config).results;
  const prefix = stepOutputPrefix(ref, step);
  const published = (record.outputs ?? []).map((output) => ({
    bucket: results,
    key: output.key,
    size: output.size,
    md5: output.md5,
    relative: output.key.slice(prefix.length),
  }));
  const wanted = options.globs ? globMatcher(options.globs) : undefined;
  const files = wanted ? published.filter((file) => wanted(file.relative)) : published;
  if (wanted && files.length === 0) {
    const names = published.slice(0, 5).map((file) => file.relative);
    throw new CommandExpansionError(
      `{{steps.${step}}}: no output step ${step} published for ${ref.sampleId} v${ref.version} matches stageIn ${options.globs!.join(', ')} (it published ${
        names.length > 0
          ? `${names.join(', ')}${published.length > names.length ? ` and ${published.length - names.length} more` : ''}`
          : 'none'
      }); fix the globs in the pipeline's stageIn`,
    );
  }
  return { step, ...(options.sampleId && { sampleId: options.sampleId }), files };
}

/**
 * The manifest of one step job: for a sample-scope step the sample's reads (when its command names them), the
 * published outputs of the steps its command names, its reference; for a run-scope step the covered samples (for `{{samplesheet}}`)
 * and each one's published outputs.
 */
export async function buildStepManifest(
  svc: Pick<Services, 'catalog' | 'config'>,
  options: { pipeline: Pipeline; step: StepDefinition; sample: SamplePayload; workBucket: string; workPrefix: string },
): Promise<JobManifest> {
  const { pipeline, step, sample, workBucket, workPrefix } = options;
  const base = {
    schemaVersion: 1 as const,
    pipeline: pipeline.name,
    step: step.name,
    scope: step.scope,
    team: sample.team,
    runId: sample.runId,
    ...(step.outputs && { outputs: step.outputs }),
    workBucket,
    workPrefix,
  };
  if (step.scope === 'run') {
    const covered = sample.runSamples ?? [];
    const steps = [];
    for (const member of covered)
      for (const name of stagedSteps(step))
        steps.push(
          await publishedOutputs(svc, { team: sample.team, runId: sample.runId, ...member }, name, {
            sampleId: member.sampleId,
            globs: step.stageIn?.[name],
          }),
        );
    const samples = [];
    for (const member of covered) {
      const version = await svc.catalog.samples.getVersion({ team: sample.team, runId: sample.runId, ...member });
      const reads = manifestReads(version?.files ?? []);
      samples.push({ sampleId: member.sampleId, version: member.version, reads });
    }
    return { ...base, reads: [], steps, samples };
  }
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const steps = [];
  for (const name of stagedSteps(step)) steps.push(await publishedOutputs(svc, ref, name, { globs: step.stageIn?.[name] }));
  const reference = chooseReference(step, stepParams(pipeline, sample), svc.config.references);
  const reads = stagesReads(step) ? manifestReads(sample.inputs) : [];
  return { ...base, sampleId: sample.sampleId, reads, steps, ...(reference && { reference }) };
}

/**
 * Stores a job's manifest under its work prefix in the HOME results bucket, wherever the job runs: a job moved
 * out of a lost region rebuilds its manifest from there (the lost region's bucket may be unreachable).
 */
export async function storeStepManifest(
  svc: Pick<Services, 'storage' | 'config'>,
  manifest: JobManifest,
  jobName: string,
): Promise<ManifestRef> {
  const ref = { bucket: bucketNames(svc.config).results, key: jobManifestKey(manifest.workPrefix, jobName) };
  await svc.storage.put(ref.bucket, ref.key, serializeJobManifest(manifest), { contentType: 'application/json' });
  return ref;
}

/**
 * Bytes the job reads from another region: inputs live at home (landed files, published outputs), so a job
 * placed elsewhere reads all of them across regions (its transfer cost; references are not counted).
 */
export function crossRegionBytes(manifest: JobManifest, region: string, homeRegion: string): number {
  return region === homeRegion ? 0 : inputBytesOf(manifest);
}

/** Bytes of every input a job's stage-in fetches (reads and earlier steps' outputs). */
export function inputBytesOf(manifest: JobManifest): number {
  const reads = [...manifest.reads, ...(manifest.samples ?? []).flatMap((sample) => sample.reads)];
  return (
    reads.reduce((sum, read) => sum + read.size, 0) + manifest.steps.flatMap((step) => step.files).reduce((sum, file) => sum + file.size, 0)
  );
}

/** The Batch job of a step: the three containers, the step's command expanded for this job, its size and queue. */
export function stepJobSpec(
  svc: Pick<Services, 'config'>,
  options: {
    pipeline: Pipeline;
    step: StepDefinition;
    sample: SamplePayload;
    manifest: JobManifest;
    manifestRef: ManifestRef;
    jobName: string;
    region: string;
    queueKind: 'urgent' | 'normal';
    priority: number;
  },
): JobSpec {
  const { pipeline, step, sample, manifest, manifestRef, jobName, region, queueKind, priority } = options;
  const command = expandCommand(step, manifest, { params: stepParams(pipeline, sample) });
  return {
    jobName,
    region,
    // Batch ignores schedulingPriority between queues without a fair-share policy: the class picks the queue.
    jobQueue: jobQueueName(svc.config.app, functionStage(), region, queueKind, step.scratch),
    jobDefinition: stepJobDefinitionName(svc.config.app, functionStage(), pipeline.name, step.name),
    command,
    environment: {},
    containers: stepJobContainers({ image: step.image, command }, manifestRef),
    sharedVolume: VOLUME_PATH,
    vcpus: step.vcpus,
    memoryMiB: step.memoryMiB,
    timeoutSeconds: step.timeoutSeconds,
    attempts: step.attempts,
    priority,
    evaluateOnExit: STEP_RETRY_RULES,
  };
}
