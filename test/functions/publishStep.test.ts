import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { listTeamOutputs } from '../../cli/commands/outputs.ts';
import { handler as publishStep } from '../../functions/publishStep.ts';
import { handler as releaseHeldSteps } from '../../functions/releaseHeldSteps.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { executionNameOf, jobNameOf } from '../../functions/workflow/executionName.ts';
import { sumCosts } from '../../functions/workflow/jobCost.ts';
import { markStepStopped } from '../../functions/workflow/stopVersionJobs.ts';
import regionsConfig from '../fixtures/landfall.regions.config.ts';
import { localContext } from '../../runtime/lambda/invokeLocally.ts';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sample = { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1, pipeline: 'demo', generation: 0, inputs: [] };
const ref = { team: 'genomics', runId: 'R1', sampleId: 'S1' };

type Fault = { case: string; on: 'copy-throws' | 'copy-corrupts'; prefix: string };

/** A storage whose copy to keys under `prefix` fails once: thrown, or leaving different bytes behind. */
function faultyOnce(inner: ObjectStorage, fault: Fault): ObjectStorage & { tripped: boolean } {
  const faulty = {
    tripped: false,
    put: inner.put.bind(inner),
    get: inner.get.bind(inner),
    getBytes: inner.getBytes.bind(inner),
    head: inner.head.bind(inner),
    list: inner.list.bind(inner),
    delete: inner.delete.bind(inner),
    copy: async (sourceBucket: string, sourceKey: string, bucket: string, key: string): Promise<ObjectInfo> => {
      if (!faulty.tripped && key.startsWith(fault.prefix)) {
        faulty.tripped = true;
        if (fault.on === 'copy-throws') throw new Error('injected: copy failed');
        return inner.put(bucket, key, 'corrupted bytes');
      }
      return inner.copy(sourceBucket, sourceKey, bucket, key);
    },
  };
  return faulty;
}

describe('publishStep handler', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  it.each<Fault>([
    { case: 'a failed copy to staging', on: 'copy-throws', prefix: 'publishing/' },
    { case: 'a checksum mismatch in staging', on: 'copy-corrupts', prefix: 'publishing/' },
    { case: 'a failed copy to the team prefix', on: 'copy-throws', prefix: 'teams/' },
    { case: 'a checksum mismatch under the team prefix', on: 'copy-corrupts', prefix: 'teams/' },
  ])('after $case leaves nothing visible to the team, and a retry publishes exactly once', async (fault) => {
    // Prepare
    let faulty!: ReturnType<typeof faultyOnce>;
    const harness = await startServicesHarness({ wrapStorage: (storage) => (faulty = faultyOnce(storage, fault)) });
    stop = harness.stop;
    const { catalog } = harness.services;
    await catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    const work = 'work/exec-1/qc/attempt-2/';
    for (const [name, body] of [
      ['qc.json', '{"reads":4}'],
      ['sub/qc.tsv', 'reads\t4\n'],
    ] as const) {
      await harness.folders.put(harness.names.results, `${work}${name}`, body, { metadata: { md5: md5(body) } });
    }
    const payload = {
      executionName: 'exec-1',
      step: 'qc',
      sample,
      job: { jobId: 'j', jobName: 'exec-1-qc', region: 'eu-west-1', attempt: 2, workBucket: harness.names.results, workPrefix: work },
    };
    const teamFiles = async () => (await harness.folders.list(harness.names.results, 'teams/')).map((object) => object.key);

    // Act: the first publish meets the fault
    await expect(publishStep(payload, localContext('publishStep'))).rejects.toThrow();

    // Assess: nothing at the final keys, nothing in the catalog, no event
    expect(faulty.tripped).toBe(true);
    expect(await teamFiles()).toEqual([]);
    expect((await catalog.steps.get({ ...ref, version: 1 }, 'qc'))?.publishedAt).toBeUndefined();
    expect(harness.published).toEqual([]);
    expect((await listTeamOutputs(harness.folders, harness.names.results, 'genomics')).outputs).toEqual([]);

    // Act: the workflow's Retry runs it again
    await publishStep(payload, localContext('publishStep'));

    // Assess
    const prefix = 'teams/genomics/runs/R1/samples/S1/v1/';
    expect((await teamFiles()).sort()).toEqual([`${prefix}manifest.json`, `${prefix}qc/qc.json`, `${prefix}qc/sub/qc.tsv`]);
    expect((await harness.folders.getBytes(harness.names.results, `${prefix}qc/qc.json`)).toString()).toBe('{"reads":4}');
    const manifest = JSON.parse((await harness.folders.getBytes(harness.names.results, `${prefix}manifest.json`)).toString());
    expect(manifest.steps.qc).toMatchObject({
      attempt: 2,
      sequence: 1,
      files: [{ key: `${prefix}qc/qc.json`, md5: md5('{"reads":4}') }, { key: `${prefix}qc/sub/qc.tsv` }],
    });
    expect(harness.published.map((event) => [event['detail-type'], (event.detail as { step: string }).step])).toEqual([
      ['Step Output Published', 'qc'],
    ]);
    expect(await harness.folders.list(harness.names.results, 'publishing/')).toEqual([]);
    expect(
      (await listTeamOutputs(harness.folders, harness.names.results, 'genomics')).outputs
        .filter((o) => o.kind === 'output')
        .map((o) => [o.key, o.md5]),
    ).toEqual([
      [`${prefix}qc/qc.json`, md5('{"reads":4}')],
      [`${prefix}qc/sub/qc.tsv`, md5('reads\t4\n')],
    ]);
  });

  it('emits the fact a failed emit lost when the publish is repeated, once, under the publishing execution', async () => {
    // Prepare: the step's job belongs to the version's generation-0 execution; the bus fails once
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    const version = { ...ref, version: 1 };
    const [g0, g1] = [executionNameOf(version, 0), executionNameOf(version, 1)];
    const qcJob = jobNameOf(g0, 'qc');
    await catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    await catalog.executions.markStarted(version, {
      ...version,
      executionName: g0,
      executionArn: `arn:${g0}`,
      pipeline: 'demo',
      generation: 0,
      startedAt: new Date().toISOString(),
    });
    await catalog.steps.put({ ...version, step: 'qc', status: 'RUNNING', jobName: qcJob, region: 'eu-west-1' });
    await harness.folders.put(harness.names.results, `work/${g0}/qc/attempt-1/qc.json`, 'x', { metadata: { md5: md5('x') } });
    const payload = {
      executionName: g0,
      step: 'qc',
      sample,
      job: {
        jobId: 'j',
        jobName: qcJob,
        region: 'eu-west-1',
        attempt: 1,
        workBucket: harness.names.results,
        workPrefix: `work/${g0}/qc/attempt-1/`,
      },
    };
    const publish = harness.services.events.publish;
    let failures = 1;
    harness.services.events.publish = async (events) => {
      if (failures-- > 0) throw new Error('injected: the bus refused the event');
      return publish(events);
    };
    // Act: the first publish records the step but cannot emit; the workflow's Retry runs it twice more
    await expect(publishStep(payload, localContext('publishStep'))).rejects.toThrow(/bus refused/);
    await publishStep(payload, localContext('publishStep'));
    await publishStep(payload, localContext('publishStep'));
    // A later generation reusing the published step announces nothing
    await publishStep({ ...payload, executionName: g1, sample: { ...sample, generation: 1 } }, localContext('publishStep'));
    // Assess
    expect(
      harness.published.map((event) => [
        event['detail-type'],
        (event.detail as { sequence: number }).sequence,
        (event.detail as { dedupeKey: string }).dedupeKey,
      ]),
    ).toEqual([['Step Output Published', 1, 'published:genomics/R1/S1/v1/qc']]);
  });

  // The ENOSPC fault suite caught it: profile finished as trim failed. The failure marked profile stopped, and the
  // operator's reprocess (generation 1) found it unpublished and submitted it again, while generation 0's publish
  // was still under way: two "Step Output Published" for v1/profile.
  it.each([
    { case: 'the failed sample marks it stopped after it published (a stale read)', race: 'stopped-after' },
    { case: 'the failed sample marks it stopped before it publishes', race: 'stopped-before' },
    { case: 'a later generation submits it again before it publishes', race: 'resubmitted-before' },
    { case: 'a later generation submits it again after it published (a stale read)', race: 'resubmitted-after' },
  ] as const)('a step an ended execution still publishes is published and announced once when $case', async ({ race }) => {
    // Prepare: generation 0 ran profile; the version FAILED in a sibling step while profile's job finished
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    const version = { ...ref, version: 1 };
    const [g0, g1] = [executionNameOf(version, 0), executionNameOf(version, 1)];
    await catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    for (const [generation, executionName] of [g0, g1].entries())
      await catalog.executions.markStarted(version, {
        ...version,
        executionName,
        executionArn: `arn:${executionName}`,
        pipeline: 'demo',
        generation,
        startedAt: new Date().toISOString(),
      });
    const running = (executionName: string) => ({
      ...version,
      step: 'profile',
      status: 'RUNNING' as const,
      jobName: jobNameOf(executionName, 'profile'),
      region: 'eu-west-1',
    });
    await catalog.steps.put(running(g0));
    const staleRead = await catalog.steps.get(version, 'profile');
    const publishOf = async (executionName: string, generation: number) => {
      const workPrefix = `work/${executionName}/profile/attempt-1/`;
      await harness.folders.put(harness.names.results, `${workPrefix}profile.tsv`, executionName, {
        metadata: { md5: md5(executionName) },
      });
      const job = { jobId: executionName, jobName: jobNameOf(executionName, 'profile'), region: 'eu-west-1', attempt: 1 };
      return publishStep(
        {
          executionName,
          step: 'profile',
          sample: { ...sample, generation },
          job: { ...job, workBucket: harness.names.results, workPrefix },
        },
        localContext('publishStep'),
      );
    };
    // What the failing sample and a reprocess write, as stopVersionJobs and submitStepJob write it
    const markStopped = () => markStepStopped(harness.services, staleRead!, 'stopped: the sample failed in trim');
    const resubmit = () => catalog.steps.put(running(g1), { unlessPublished: true });

    // Act
    if (race === 'stopped-after') await publishOf(g0, 0).then(markStopped);
    if (race === 'stopped-before') await markStopped().then(() => publishOf(g0, 0));
    if (race === 'resubmitted-before') await resubmit().then(() => publishOf(g0, 0));
    if (race === 'resubmitted-after') await publishOf(g0, 0).then(resubmit);
    // generation 1 reaches profile's publish (its job ran, or it reused the published step)
    await publishOf(g1, 1);

    // Assess: generation 0's outputs, published once, announced once under generation 0's key
    const record = await catalog.steps.get(version, 'profile');
    expect(record).toMatchObject({ status: 'SUCCEEDED', publishedGeneration: 0, sequence: 1 });
    expect(record?.stopped).toBeUndefined();
    const key = 'teams/genomics/runs/R1/samples/S1/v1/profile/profile.tsv';
    expect((await harness.folders.getBytes(harness.names.results, key)).toString()).toBe(g0);
    expect(harness.published.map((event) => [event['detail-type'], (event.detail as { dedupeKey: string }).dedupeKey])).toEqual([
      ['Step Output Published', 'published:genomics/R1/S1/v1/profile'],
    ]);
  });

  it('is a no-op when the step was already published (a repeated task)', async () => {
    const harness = await startServicesHarness();
    stop = harness.stop;
    await harness.services.catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    await harness.folders.put(harness.names.results, 'work/e/qc/attempt-1/qc.json', 'x', { metadata: { md5: md5('x') } });
    const payload = {
      executionName: 'e',
      step: 'qc',
      sample,
      job: {
        jobId: 'j',
        jobName: 'e-qc',
        region: 'eu-west-1',
        attempt: 1,
        workBucket: harness.names.results,
        workPrefix: 'work/e/qc/attempt-1/',
      },
    };
    await publishStep(payload, localContext('publishStep'));
    const again = await publishStep(payload, localContext('publishStep'));
    expect(again).toMatchObject({ outcome: 'already-published' });
    expect(harness.published).toHaveLength(1);
  });

  it('costs the outputs of a job that ran away from home copied back, once, and nothing for a job at home', async () => {
    // Prepare: two steps' outputs, one from a job at home and one from a job in another region
    const harness = await startServicesHarness({ config: regionsConfig });
    stop = harness.stop;
    const { catalog, config } = harness.services;
    const away = config.regions.find((region) => region.name !== config.homeRegion)!;
    await catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    const outputs = { 'qc.json': 'x'.repeat(1000), 'profile.tsv': 'y'.repeat(3_000_000) };
    await harness.folders.put(harness.names.results, 'work/e/qc/attempt-1/qc.json', outputs['qc.json'], {
      metadata: { md5: md5(outputs['qc.json']) },
    });
    await harness.folders.put(harness.names.results, 'work/e/profile/attempt-1/profile.tsv', outputs['profile.tsv'], {
      metadata: { md5: md5(outputs['profile.tsv']) },
    });
    const job = (step: string, region: string) => ({
      jobId: `id-${step}`,
      jobName: `e-${step}`,
      region,
      attempt: 1,
      workBucket: harness.names.results,
      workPrefix: `work/e/${step}/attempt-1/`,
    });

    // Act: each published, the remote one twice (a repeated task)
    await publishStep({ executionName: 'e', step: 'qc', sample, job: job('qc', config.homeRegion) }, localContext('publishStep'));
    const remote = { executionName: 'e', step: 'profile', sample, job: job('profile', away.name) };
    await publishStep(remote, localContext('publishStep'));
    await publishStep(remote, localContext('publishStep'));

    // Assess: one transfer item, the bytes published, priced at the job region's transfer price; no job counted
    const costs = await catalog.costs.listForSample(ref);
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({ step: 'profile', status: 'COPIED_BACK' });
    expect(costs[0]!.cost).toMatchObject({ region: away.name, transferBytes: 3_000_000, computeUsd: 0 });
    expect(costs[0]!.cost.transferUsd).toBeCloseTo((3_000_000 / 1024 ** 3) * away.transferCostPerGb, 6);
    const totals = sumCosts(costs.map((item) => ({ ...item.cost, status: item.status })));
    expect(totals).toMatchObject({ jobs: 0, transferBytes: 3_000_000 });
  });

  it("succeeds whatever the run's held-back later steps do: releasing them is rule release-held-steps' work, not the Publish task's", async () => {
    // Prepare: a later step of another sample of the run is held back; submitting it fails (the harness refuses jobs)
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    await catalog.samples.claimVersion(ref, 'hash', [], 'READY');
    await harness.folders.put(harness.names.results, 'work/e/qc/attempt-1/qc.json', 'x', { metadata: { md5: md5('x') } });
    const heldSpec = { jobName: 'held-profile', region: 'eu-west-1' } as unknown as JobSpec;
    await catalog.jobs.defer({
      team: 'genomics',
      runId: 'R1',
      sampleId: 'S2',
      version: 1,
      jobName: 'held-profile',
      step: 'profile',
      taskToken: 'token',
      executionName: 'e2',
      region: 'eu-west-1',
      workBucket: harness.names.results,
      workPrefix: 'work/e2/profile/',
      submittedAt: new Date().toISOString(),
      deferredSpec: JSON.stringify(heldSpec),
    });
    const payload = {
      executionName: 'e',
      step: 'qc',
      sample,
      job: {
        jobId: 'j',
        jobName: 'e-qc',
        region: 'eu-west-1',
        attempt: 1,
        workBucket: harness.names.results,
        workPrefix: 'work/e/qc/attempt-1/',
      },
    };

    // Act: the step publishes while submissions fail
    const published = await publishStep(payload, localContext('publishStep'));

    // Assess: the step's outcome is its own; the held job is still held
    expect(published).toMatchObject({ outcome: 'published' });
    expect((await catalog.steps.get({ ...ref, version: 1 }, 'qc'))?.publishedAt).toBeDefined();
    expect((await catalog.jobs.listDeferred('genomics', 'R1')).map((job) => job.jobName)).toEqual(['held-profile']);

    // Act: the fact reaches rule release-held-steps while submission still fails
    const fact = harness.published.find((event) => event['detail-type'] === 'Step Output Published')!;
    await expect(releaseHeldSteps(fact as Parameters<typeof releaseHeldSteps>[0], localContext('releaseHeldSteps'))).rejects.toThrow();

    // Assess: the job it claimed is held again, not lost
    expect((await catalog.jobs.listDeferred('genomics', 'R1')).map((job) => job.jobName)).toEqual(['held-profile']);

    // Act: the fact is delivered again, with job submission working again
    const submitted: JobSpec[] = [];
    harness.services.jobs.submit = async (spec: JobSpec) => {
      submitted.push(spec);
      return { jobId: `id-${submitted.length}` };
    };
    const released = await releaseHeldSteps(fact as Parameters<typeof releaseHeldSteps>[0], localContext('releaseHeldSteps'));

    // Assess: submitted once, no longer held
    expect(released).toMatchObject({ outcome: 'released', released: 1 });
    expect(submitted).toEqual([heldSpec]);
    expect(await catalog.jobs.listDeferred('genomics', 'R1')).toEqual([]);
  });
});
