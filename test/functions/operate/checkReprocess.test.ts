/**
 * A reprocess request is checked before it is accepted (issue 19): unknown team, run, sample, pipeline or step,
 * or a sample that cannot be reprocessed, is a RequestError naming what exists, and the "Reprocess Requested"
 * handler answers such a request without throwing (nothing reaches a dead letter). Real catalog (dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleStatus } from '../../../functions/catalog/types.ts';
import { checkReprocess } from '../../../functions/operate/checkReprocess.ts';
import { RequestError } from '../../../functions/operate/errors.ts';
import { reprocessSamples } from '../../../functions/workflow/reprocessSamples.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const team = 'genomics';
const runId = 'RUN-CHECK';

describe('checkReprocess', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;

  beforeAll(async () => {
    harness = await startServicesHarness();
    const statuses: Record<string, SampleStatus> = { S1: 'COMPLETED', S2: 'REJECTED', S3: 'RUNNING', S4: 'FAILED' };
    for (const [sampleId, status] of Object.entries(statuses)) {
      const ref = { team, runId, sampleId };
      await harness.services.catalog.runs.recordFile(team, runId, {
        name: `${sampleId}_R1.fastq.gz`,
        bucket: harness.names.landing,
        key: `incoming/${team}/${runId}/${sampleId}_R1.fastq.gz`,
        size: 1,
        etag: sampleId,
      } as never);
      await harness.services.catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], status);
      await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
      await harness.services.catalog.samples.setStatus(ref, status, { currentVersion: 1 });
    }
  });

  afterAll(async () => {
    await harness.stop();
  });

  const refusal = async (request: Parameters<typeof checkReprocess>[1]) => {
    const error = await checkReprocess(harness.services, request).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RequestError);
    return error as RequestError;
  };

  it.each([
    { case: 'unknown team', request: { team: 'nosuch', runId, sampleId: 'S1' }, says: 'no team nosuch; known teams: genomics, microbio' },
    {
      case: 'unknown sample',
      request: { team, runId, sampleId: 'S9' },
      says: `no sample S9 in run genomics/${runId}; known samples: S1, S2, S3, S4`,
    },
    {
      case: 'unknown pipeline',
      request: { team, runId, sampleId: 'S1', pipeline: 'nope' },
      says: 'no pipeline nope; known pipelines: demo, dna-align',
    },
    {
      case: 'unknown step',
      request: { team, runId, sampleId: 'S1', fromStep: 'bogus' },
      says: 'pipeline demo has no step bogus; its steps: qc, trim, profile',
    },
  ])('refuses an $case, naming what exists', async ({ request, says }) => {
    // Act
    const error = await refusal(request);
    // Assess
    expect(error.problem).toBe('unknown');
    expect(error.message).toBe(says);
  });

  it('refuses an unknown run, naming the team runs', async () => {
    // Act
    const error = await refusal({ team, runId: 'NORUN' });
    // Assess
    expect(error.problem).toBe('unknown');
    expect(error.message).toMatch(/^no run NORUN for team genomics; known runs: .*RUN-CHECK/);
  });

  it.each([
    {
      case: 'a rejected sample',
      sampleId: 'S2',
      says: /v1 is REJECTED; only COMPLETED, FAILED, CANCELLED samples can be reprocessed.*landing corrected files/,
    },
    { case: 'a running sample', sampleId: 'S3', says: /v1 is RUNNING/ },
  ])('refuses $case, saying why', async ({ sampleId, says }) => {
    // Act
    const error = await refusal({ team, runId, sampleId });
    // Assess
    expect(error.problem).toBe('refused');
    expect(error.message).toMatch(says);
  });

  it('plans a whole run: finished samples re-run, the others are skipped with their reason', async () => {
    // Act
    const plan = await checkReprocess(harness.services, { team, runId, fromStep: 'trim' });
    // Assess
    expect(plan.targets.map((target) => target.sampleId)).toEqual(['S1', 'S4']);
    expect(plan.skipped.map((skip) => skip.sampleId)).toEqual(['S2', 'S3']);
  });

  it('the "Reprocess Requested" handler answers an invalid request without throwing (no dead letter) and starts nothing', async () => {
    // Act
    const result = await reprocessSamples(harness.services, { detail: { team, runId, sampleId: 'S1', fromStep: 'bogus' } });
    // Assess
    expect(result).toMatchObject({ outcome: 'refused', started: [] });
    expect(result.reason).toContain('has no step bogus');
  });
});
