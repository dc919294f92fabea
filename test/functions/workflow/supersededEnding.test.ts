/**
 * A sample re-landed while its version 1 runs: re-validation catalogs v2 and marks v1 SUPERSEDED, and v1's own
 * execution ends afterwards (a step failed on the changed inputs, or every step published). That late ending must
 * leave v1 SUPERSEDED and the sample on v2 — seen under load as v1 FAILED with the sample's currentVersion
 * set back to 1 (test/faults/midRunFaults.test.ts). Real catalog (dynalite), handlers through their middy chain.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as completeSample } from '../../../functions/completeSample.ts';
import { handler as failSample } from '../../../functions/failSample.ts';
import { localContext } from '../../../runtime/lambda/invokeLocally.ts';
import { applyEnvironment, localAwsEnvironment } from '../../../runtime/localAwsEnvironment.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';

describe('the end of a superseded version', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const savedEnv = { ...process.env };
  let runId = '';
  let counter = 0;

  beforeAll(async () => {
    harness = await startServicesHarness();
    applyEnvironment(
      localAwsEnvironment({
        region: 'eu-west-1',
        catalogEndpoint: harness.catalogEndpoint,
        catalogCredentials: harness.catalogCredentials,
      }),
    );
  });
  afterAll(async () => {
    process.env = savedEnv;
    await harness?.stop();
  });

  beforeEach(async () => {
    // Prepare: v1 ran, then v2 was cataloged from re-landed files and v1 marked SUPERSEDED
    runId = `261203_LH00417_0${100 + counter++}_B22SUPER`;
    const sample = { team: TEAM, runId, sampleId: 'S1' };
    const catalog = harness.services.catalog;
    await catalog.samples.claimVersion(sample, 'hash-v1', [], 'RUNNING');
    await catalog.samples.claimVersion(sample, 'hash-v2', [], 'READY');
    await catalog.samples.updateVersion({ ...sample, version: 1 }, { status: 'SUPERSEDED' });
    await catalog.samples.setStatus(sample, 'READY', { currentVersion: 2, detail: 'v2 cataloged' });
    harness.published.length = 0;
  });

  const payload = (extra: Record<string, unknown> = {}) => ({
    executionName: `${TEAM}-${runId}-S1-v1-g0`,
    sample: { team: TEAM, runId, sampleId: 'S1', version: 1, pipeline: 'demo', generation: 0, inputs: [] },
    ...extra,
  });

  it.each([
    {
      case: 'a step failed',
      end: () => failSample(payload({ error: { Error: 'States.TaskFailed', Cause: 'input changed' } }), localContext('failSample')),
    },
    { case: 'every step published', end: () => completeSample(payload(), localContext('completeSample')) },
  ])('$case: v1 stays SUPERSEDED, the sample stays on v2, no sample-level fact', async ({ end }) => {
    // Act
    await end();

    // Assess
    const catalog = harness.services.catalog;
    expect((await catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'S1', version: 1 }))!.status).toBe('SUPERSEDED');
    const sample = await catalog.samples.get({ team: TEAM, runId, sampleId: 'S1' });
    expect([sample!.status, sample!.currentVersion]).toEqual(['READY', 2]);
    expect(harness.published.map((event) => event['detail-type'])).not.toContain('Sample Failed');
    expect(harness.published.map((event) => event['detail-type'])).not.toContain('Sample Completed');
  });

  it('a version that is not superseded still ends FAILED with its error and "Sample Failed"', async () => {
    // Prepare: v2 (current) fails
    const v2 = { ...payload({ error: { Error: 'States.TaskFailed', Cause: 'exit 1' } }) };
    v2.sample.version = 2;
    v2.executionName = `${TEAM}-${runId}-S1-v2-g0`;

    // Act
    await failSample(v2, localContext('failSample'));

    // Assess
    const version = await harness.services.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'S1', version: 2 });
    expect([version!.status, version!.error]).toEqual(['FAILED', 'States.TaskFailed: exit 1']);
    expect((await harness.services.catalog.samples.get({ team: TEAM, runId, sampleId: 'S1' }))!.status).toBe('FAILED');
    expect(harness.published.map((event) => event['detail-type'])).toContain('Sample Failed');
  });
});
