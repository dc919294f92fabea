/**
 * Issue 18, defect 4: submitStep copied every input into another region's staging bucket inside a 2-minute
 * function, so a 40 GiB sample placed away from home could never start. Now the function moves no input bytes
 * at all: it stores the job's small manifest, naming the inputs where they are, and the job's stage-in reads
 * them. Asserted on what the function does (its storage calls), not on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNames } from '../../../config/defineConfig.ts';
import { parseJobManifest, parseManifestRef } from '../../../contracts/jobPayload.ts';
import { jobNameOf } from '../../../functions/workflow/executionName.ts';
import { submitStepJob } from '../../../functions/workflow/submitStepJob.ts';
import { startVersionExecution, type WorkflowInput } from '../../../functions/workflow/startVersionExecution.ts';
import { releaseDeferredJobs, STALE_RELEASE_MS } from '../../../functions/workflow/earlySteps.ts';
import { MOVED_WHILE_SUBMITTED, replaceJob } from '../../../functions/placement/replaceJob.ts';
import { declaredActions } from '../../../stacks/permissions.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import type { JobSpec } from '../../../seams/jobs/JobService.ts';
import type { ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';
import config from '../../fixtures/landfall.regions.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';
import { runStepPayload } from '../../support/stepJobFixture.ts';

const GiB = 1024 ** 3;
const HOME = config.homeRegion;
const LANDING = bucketNames(config).landing;

describe('submitting a step of a 40 GiB sample placed in another region', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;
  const calls: Array<{ method: string; bucket: string; key: string; bytes?: number }> = [];

  beforeAll(async () => {
    // The real folder storage, every call the function makes recorded.
    harness = await startServicesHarness({
      config,
      wrapStorage: (storage) =>
        new Proxy(storage, {
          get(target, method: keyof ObjectStorage) {
            const real = target[method];
            if (typeof real !== 'function') return real;
            return async (bucket: string, key: string, ...rest: unknown[]) => {
              const body = rest[0];
              calls.push({ method: String(method), bucket, key, ...(typeof body === 'string' && { bytes: Buffer.byteLength(body) }) });
              return (real as (...args: unknown[]) => unknown).call(target, bucket, key, ...rest);
            };
          },
        }),
    });
    executor = await queueOnlyExecutor(harness);
    harness.services.metrics = { putMetricData: async () => undefined };
    harness.services.capacity = { setWarmVcpus: async () => undefined };
    // Home is busy for a day: placement sends the job away despite its 40 GiB.
    const loads = harness.services.catalog.regionLoads;
    const { revision } = await loads.get(HOME);
    await loads.reserve(
      HOME,
      'blocker',
      { vcpus: 2, memoryMiB: 4096, expectedSeconds: 86_400, priority: 0, inputBytes: 0, dataRegions: [HOME] },
      revision,
    );
    await loads.markRunning(HOME, 'blocker', Date.now());
  });

  afterAll(async () => {
    await executor.stop();
    await harness.stop();
  });

  it('copies no input, stores only the job manifest at home, and counts the 40 GiB it will read across regions', async () => {
    // Act
    const result = await submitStepJob(
      harness.services,
      runStepPayload('BIGRUN', 'S1', 'qc', {
        reads: [
          { read: 'R1', size: 20 * GiB },
          { read: 'R2', size: 20 * GiB },
        ],
      }),
    );

    // Assess: placed away from home, submitted
    expect(result.outcome).toBe('submitted');
    expect(result.region).not.toBe(HOME);
    // …and the only object it wrote is a manifest of a few hundred bytes in the home results bucket; nothing read or copied
    expect(calls.map((call) => call.method)).toEqual(['put']);
    expect(calls[0]).toMatchObject({
      bucket: bucketNames(config).results,
      key: `work/genomics-BIGRUN-S1-v1-g0/qc/${jobNameOf('genomics-BIGRUN-S1-v1-g0', 'qc')}.manifest.json`,
    });
    expect(calls[0]!.bytes).toBeLessThan(4096);
    // The job reads the landed files where they are and writes its outputs in its own region
    const job = await harness.services.catalog.jobs.get(result.jobName);
    const spec = JSON.parse(job!.spec!) as JobSpec;
    const ref = parseManifestRef(spec.containers!.find((container) => container.name === 'stage-in')!.environment!);
    const manifest = parseJobManifest((await harness.folders.getBytes(ref.bucket, ref.key)).toString('utf8'), ref.key);
    expect(manifest.reads.map((read) => `${read.bucket}/${read.key}`)).toEqual([
      `${LANDING}/incoming/genomics/BIGRUN/S1_S1_L001_R1_001.fastq.gz`,
      `${LANDING}/incoming/genomics/BIGRUN/S1_S1_L001_R2_001.fastq.gz`,
    ]);
    expect(manifest.workBucket).toBe(bucketNames(config).workArea(result.region));
    expect(job!.stagedBytes).toBe(40 * GiB);
    expect(spec.containers!.map((container) => container.name)).toEqual(['stage-in', 'tool', 'stage-out']);
  });

  it('stops the job it submitted when the step was moved meanwhile (its region failed), and the moved job stands', async () => {
    // Prepare: the region is lost between the job's record and its submission, so the sweep moves the job first
    const submit = executor.submit;
    let moved = false;
    executor.submit = async (spec) => {
      if (!moved) {
        moved = true;
        expect(await replaceJob(harness.services, spec.jobName, 'region lost while submitting')).toBe(true);
      }
      return submit.call(executor, spec);
    };
    // Act
    const result = await submitStepJob(harness.services, runStepPayload('MOVEDRUN', 'S2', 'qc')).finally(() => {
      executor.submit = submit;
    });
    // Assess: the job submitted late is stopped, unrecorded; the move's job is the step's, not stopped
    expect(result.outcome).toBe('moved');
    const late = executor.listJobs().find((job) => job.jobName === result.jobName);
    expect(late).toMatchObject({ status: 'FAILED', statusReason: MOVED_WHILE_SUBMITTED });
    expect((await harness.services.catalog.jobs.get(result.jobName))?.jobId).toBeUndefined();
    const step = await harness.services.catalog.steps.get({ team: 'genomics', runId: 'MOVEDRUN', sampleId: 'S2', version: 1 }, 'qc');
    expect(step?.jobName).toBe(`${result.jobName}-p2`);
    expect(executor.listJobs().find((job) => job.jobName === `${result.jobName}-p2`)?.status).not.toBe('FAILED');
    // In AWS that stop is submitStep's TerminateJob call: its role must allow it (an AccessDenied left the job running).
    expect(declaredActions('submitStep')).toContain('batch:TerminateJob');
  });

  it('a later step held behind the run’s early steps says so, and once released says where it runs', async () => {
    // Prepare: a running sample of the demo pipeline whose qc (its early step) has not published
    const ref = { team: 'genomics', runId: 'HELDRUN', sampleId: 'S3' };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-S3', [], 'READY');
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    const held = await submitStepJob(harness.services, runStepPayload('HELDRUN', 'S3', 'trim'));
    const whileHeld = await harness.services.catalog.samples.get(ref);
    // Act: qc publishes, and the run's held steps are released
    await harness.services.catalog.steps.recordPublished({ ...ref, version: 1 }, 'qc', [{ key: 'x/S3/qc', size: 1, md5: 'm' }], 1);
    const released = await releaseDeferredJobs(harness.services, ref.team, ref.runId);
    // Assess
    expect(held.outcome).toBe('deferred');
    expect(whileHeld?.detail).toBe("trim waits for the run's early steps");
    expect(released).toBe(1);
    expect((await harness.services.catalog.samples.get(ref))?.detail).toBe(`running trim in ${held.region}`);
    expect(executor.listJobs().some((job) => job.jobName === held.jobName)).toBe(true);
  });

  it('wakes a scaled-down region before submitting into it: a job that runs at once finds its wake recorded', async () => {
    // Prepare: every region scaled down; what the region's scale record says when the job is submitted
    for (const region of config.regions) await harness.services.catalog.regionScale.markScaledDown(region.name, 0, Date.now() - 1000);
    const submit = executor.submit;
    let atSubmission: Awaited<ReturnType<typeof harness.services.catalog.regionScale.get>> | undefined;
    executor.submit = async (spec) => {
      atSubmission = await harness.services.catalog.regionScale.get(spec.region);
      return submit.call(executor, spec);
    };
    // Act
    const result = await submitStepJob(harness.services, runStepPayload('WAKERUN', 'S1', 'qc')).finally(() => {
      executor.submit = submit;
    });
    // Assess: the RUNNING of this job (which records the wake-up latency) can only come after its submission
    expect(result.outcome).toBe('submitted');
    expect(atSubmission).toMatchObject({ scaledDown: false, wakeJobName: result.jobName });
  });

  it('a version of 2,000 batches starts with an input Step Functions accepts, and its job reads every batch', async () => {
    // Prepare: a MinKNOW barcode's batches cataloged as one version (~250 bytes each in an execution input)
    const ref = { team: 'genomics', runId: 'ONTRUN', sampleId: 'barcode01' };
    const batches = Array.from({ length: 2000 }, (_, i) => {
      const name = `fastq_pass/barcode01/PBC12345_pass_barcode01_a3f5c1d2_7b9e4f60_${i}.fastq.gz`;
      return { name, bucket: LANDING, key: `incoming/genomics/ONTRUN/${name}`, size: 1000, etag: 'e', md5: '0'.repeat(32) };
    });
    const files = batches.map((batch, i) => ({ ...batch, read: 'R1' as const, role: 'single' as const, lane: 0, part: i + 1, reads: 2 }));
    const { version } = await harness.services.catalog.samples.claimVersion(ref, 'hash-ont', files, 'READY');
    const inputs: WorkflowInput[] = [];
    const realStart = harness.services.workflows.startExecution;
    harness.services.workflows.startExecution = async ({ input }) => {
      inputs.push(input as unknown as WorkflowInput);
      return { executionArn: 'arn:aws:states:eu-west-1:000000000000:execution:demo:ont', startDate: new Date() };
    };
    // Act
    await startVersionExecution(harness.services, version, { generation: 0, reason: 'automatic' }).finally(() => {
      harness.services.workflows.startExecution = realStart;
    });
    const result = await submitStepJob(harness.services, { ...runStepPayload('ONTRUN', 'barcode01', 'qc'), sample: inputs[0]!.sample });
    // Assess: the input names no file (Step Functions refuses inputs over 256 KB); the job's manifest has them all, in order
    expect(Buffer.byteLength(JSON.stringify(inputs[0]))).toBeLessThan(256 * 1024);
    expect(inputs[0]!.sample).toMatchObject({ inputs: [], inputsInCatalog: true });
    const job = await harness.services.catalog.jobs.get(result.jobName);
    const spec = JSON.parse(job!.spec!) as JobSpec;
    const manifestRef = parseManifestRef(spec.containers!.find((container) => container.name === 'stage-in')!.environment!);
    const manifest = parseJobManifest(
      (await harness.folders.getBytes(manifestRef.bucket, manifestRef.key)).toString('utf8'),
      manifestRef.key,
    );
    expect(manifest.reads.map((read) => read.key)).toEqual(batches.map((batch) => batch.key));
  });

  it('a retried submission of a job moved since hands its task token to the move’s job and submits nothing', async () => {
    // Prepare: the first attempt submits and records its job, then fails (a throttled write); before the
    // workflow's Retry comes, the job's region is lost and the sweep moves the job.
    const loads = harness.services.catalog.regionLoads;
    const markSubmitted = loads.markSubmitted.bind(loads);
    loads.markSubmitted = async () => {
      loads.markSubmitted = markSubmitted;
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
    };
    const first = await submitStepJob(harness.services, { ...runStepPayload('MOVEDRETRY', 'S1', 'qc'), taskToken: 'token-first' }).catch(
      (error: unknown) => error,
    );
    const jobName = executor.listJobs().at(-1)!.jobName;
    expect(await replaceJob(harness.services, jobName, 'region lost before the retry')).toBe(true);
    const jobsBefore = executor.listJobs().length;
    // Act: the workflow's Retry, with the token it now waits on
    const retried = await submitStepJob(harness.services, { ...runStepPayload('MOVEDRETRY', 'S1', 'qc'), taskToken: 'token-retry' });
    // Assess: no job under the old name again; the old record still says where it went; the move's job will
    // complete the token the workflow waits on; the retry holds no capacity anywhere
    expect(first).toMatchObject({ name: 'ThrottlingException' });
    expect(retried).toMatchObject({ outcome: 'moved', jobName: `${jobName}-p2` });
    expect(executor.listJobs()).toHaveLength(jobsBefore);
    const jobs = harness.services.catalog.jobs;
    expect(await jobs.get(jobName)).toMatchObject({ replacedBy: `${jobName}-p2`, taskToken: 'token-first' });
    expect(await jobs.get(`${jobName}-p2`)).toMatchObject({ taskToken: 'token-retry' });
    const held = await Promise.all(config.regions.map(async (region) => Object.keys((await loads.get(region.name)).jobs)));
    expect(held.flat()).not.toContain(jobName);
    const step = await harness.services.catalog.steps.get({ team: 'genomics', runId: 'MOVEDRETRY', sampleId: 'S1', version: 1 }, 'qc');
    expect(step?.jobName).toBe(`${jobName}-p2`);
  });

  it('stops a held job it released when the step was moved meanwhile, and the moved job stands', async () => {
    // Prepare: a held step of a running sample; its region is lost while the release submits it
    const ref = { team: 'genomics', runId: 'HELDMOVED', sampleId: 'S4' };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-S4', [], 'READY');
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    const held = await submitStepJob(harness.services, runStepPayload('HELDMOVED', 'S4', 'trim'));
    await harness.services.catalog.steps.recordPublished({ ...ref, version: 1 }, 'qc', [{ key: 'x/S4/qc', size: 1, md5: 'm' }], 1);
    const submit = executor.submit;
    executor.submit = async (spec) => {
      executor.submit = submit;
      expect(await replaceJob(harness.services, spec.jobName, 'region lost while releasing')).toBe(true);
      return submit.call(executor, spec);
    };
    // Act
    const released = await releaseDeferredJobs(harness.services, ref.team, ref.runId).finally(() => {
      executor.submit = submit;
    });
    // Assess: nothing counted as released; the job submitted late is stopped, by releaseHeldSteps in AWS
    expect(held.outcome).toBe('deferred');
    expect(released).toBe(0);
    const late = executor.listJobs().find((job) => job.jobName === held.jobName);
    expect(late).toMatchObject({ status: 'FAILED', statusReason: MOVED_WHILE_SUBMITTED });
    expect(declaredActions('releaseHeldSteps')).toContain('batch:TerminateJob');
  });
  it('never submits a held job whose sample ended after it was held, though the stopper did not see it held', async () => {
    // Prepare: trim held behind qc; the sample then fails elsewhere, and its stopper's listing (an index,
    // updated a moment after the hold in DynamoDB) missed the held job, so nothing claimed it
    const ref = { team: 'genomics', runId: 'HELDENDED', sampleId: 'S5' };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-S5', [], 'READY');
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    const held = await submitStepJob(harness.services, runStepPayload('HELDENDED', 'S5', 'trim'));
    await harness.services.catalog.samples.finishVersion({ ...ref, version: 1 }, 'FAILED', { error: 'profile exited 3' });
    await harness.services.catalog.steps.recordPublished({ ...ref, version: 1 }, 'qc', [{ key: 'x/S5/qc', size: 1, md5: 'm' }], 1);
    // Act: qc's publish releases the run's held jobs
    const released = await releaseDeferredJobs(harness.services, ref.team, ref.runId);
    // Assess: claimed, never submitted, and the step says why
    expect(held.outcome).toBe('deferred');
    expect(released).toBe(0);
    expect(executor.listJobs().some((job) => job.jobName === held.jobName)).toBe(false);
    expect(await harness.services.catalog.jobs.claimDeferred(held.jobName)).toBe(false);
    expect(await harness.services.catalog.steps.get({ ...ref, version: 1 }, 'trim')).toMatchObject({
      status: 'FAILED',
      stopped: true,
      error: 'stopped: the sample failed (profile exited 3)',
    });
  });

  it('releases the job it has just held when the early step published meanwhile, before the index shows it held', async () => {
    // Prepare: qc publishes between the gate's look and the hold; the held-jobs index lags the hold (DynamoDB
    // updates a global secondary index a moment after the write), so qc's own release found nothing held
    const ref = { team: 'genomics', runId: 'HELDLAG', sampleId: 'S6' };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-S6', [], 'READY');
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    const jobs = harness.services.catalog.jobs;
    const { defer, listDeferred } = jobs;
    jobs.defer = async (job) => {
      await defer.call(jobs, job);
      await harness.services.catalog.steps.recordPublished({ ...ref, version: 1 }, 'qc', [{ key: 'x/S6/qc', size: 1, md5: 'm' }], 1);
    };
    jobs.listDeferred = async () => []; // the index has not caught up yet
    // Act
    const held = await submitStepJob(harness.services, runStepPayload('HELDLAG', 'S6', 'trim')).finally(() => {
      jobs.defer = defer;
      jobs.listDeferred = listDeferred;
    });
    // Assess: held, and released by its own submission at once
    expect(held.outcome).toBe('deferred');
    expect(executor.listJobs().some((job) => job.jobName === held.jobName)).toBe(true);
    expect((await jobs.get(held.jobName))?.jobId).toBeDefined();
  });
  it.each([
    { case: 'before submitting: the job is submitted now', submittedBeforeDying: false },
    { case: 'after submitting: the job Batch holds is recorded, not submitted again', submittedBeforeDying: true },
  ])('takes over, once stale, a release that died after claiming a held job $case', async ({ submittedBeforeDying }) => {
    // Prepare: trim held behind qc, qc published; a releaser claimed trim and died (and maybe had submitted it)
    const runId = `STALECLAIM${submittedBeforeDying ? 'B' : 'A'}`;
    const ref = { team: 'genomics', runId, sampleId: 'S7' };
    await harness.services.catalog.samples.claimVersion(ref, `hash-${runId}`, [], 'READY');
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    const held = await submitStepJob(harness.services, runStepPayload(runId, 'S7', 'trim'));
    const jobs = harness.services.catalog.jobs;
    expect(await jobs.claimForRelease(held.jobName)).toBe(true);
    if (submittedBeforeDying) await executor.submit(JSON.parse((await jobs.get(held.jobName))!.deferredSpec!));
    await harness.services.catalog.steps.recordPublished({ ...ref, version: 1 }, 'qc', [{ key: `x/${runId}/qc`, size: 1, md5: 'm' }], 1);
    const ofName = () => executor.listJobs().filter((job) => job.jobName === held.jobName);
    // Act: a release while the claim is young leaves it to its claimant; once stale, it takes it over
    const young = await releaseDeferredJobs(harness.services, ref.team, ref.runId);
    const young1 = ofName().length;
    const stale = await releaseDeferredJobs(harness.services, ref.team, ref.runId, { now: Date.now() + STALE_RELEASE_MS + 1000 });
    // Assess: one job of that name in Batch, recorded, and nothing left held
    expect(held.outcome).toBe('deferred');
    expect([young, young1]).toEqual([0, submittedBeforeDying ? 1 : 0]);
    expect(stale).toBe(1);
    expect(ofName()).toHaveLength(1);
    expect((await jobs.get(held.jobName))?.jobId).toBe(ofName()[0]!.jobId);
    expect(await jobs.anyDeferred(ref.team, ref.runId)).toBe(false);
  });
});
