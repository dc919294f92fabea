/**
 * A step of thousands of outputs (a run-scope Nextflow pipeline's outdir, a step that writes one file per
 * chunk) is published whole, and what records and announces it stays within AWS's limits: the step's catalog
 * item (DynamoDB, 400 KB), "Step Output Published" (a team's SNS topic, 256 KB) and the task's result (Step
 * Functions, 256 KB). Against the real local catalog and folder storage.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../../contracts/keys.ts';
import { attemptPrefix, OUTPUT_MD5_METADATA } from '../../../contracts/workArea.ts';
import type { SampleManifest } from '../../../functions/publishing/manifest.ts';
import { publishStepOutputs } from '../../../functions/publishing/publishStepOutputs.ts';
import { mapLimit } from '../../../seams/storage/mapLimit.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

/** With the keys below (~300 bytes an entry in the catalog) 1,500 outputs are more than one item may hold. */
const OUTPUTS = 1500;

describe('publishing a step of 1,500 outputs', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  it('publishes every output, keeps them whole in the catalog and the manifest, and announces them within 256 KB', async () => {
    // Prepare: the successful attempt's work area, as a job's stage-out leaves it
    const ref = { team: 'genomics', runId: '261205_LH00417_0990_B22OUTPUTS', sampleId: 'S1', version: 1 };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-outputs', [], 'RUNNING');
    const workPrefix = 'work/genomics-outputs-S1-v1-g0/report/';
    const names = Array.from(
      { length: OUTPUTS },
      (_, i) =>
        `nfcore_rnaseq/star_salmon/qualimap/SAMPLE_REPLICATE_${String(i).padStart(5, '0')}/raw_data_qualimapReport/coverage_profile_along_genes_(total)_with_reads_counted_over_the_whole_gene_body_${String(i).padStart(5, '0')}.txt`,
    );
    await mapLimit(names, 16, (name) =>
      harness.folders.put(harness.names.results, `${attemptPrefix(workPrefix, 1)}${name}`, `${name}\n`, {
        metadata: { [OUTPUT_MD5_METADATA]: createHash('md5').update(`${name}\n`).digest('hex') },
      }),
    );
    // Act
    const result = await publishStepOutputs(harness.services, {
      executionName: 'genomics-outputs-S1-v1-g0',
      step: 'report',
      sample: { ...ref, pipeline: 'demo', generation: 0, inputs: [] },
      job: { jobId: 'job-1', jobName: 'job-report', region: 'eu-west-1', attempt: 1, workBucket: harness.names.results, workPrefix },
    });
    // Assess: all of them in the catalog and the manifest; the event and the task's result name 100 and count them
    const step = await harness.services.catalog.steps.get(ref, 'report');
    expect(step?.outputs).toHaveLength(OUTPUTS);
    const manifest = JSON.parse(
      (await harness.folders.getBytes(harness.names.results, manifestKey(ref))).toString('utf8'),
    ) as SampleManifest;
    expect(manifest.steps.report?.files).toHaveLength(OUTPUTS);
    const event = harness.published.find((candidate) => candidate['detail-type'] === 'Step Output Published')!;
    expect(event.detail).toMatchObject({ keyCount: OUTPUTS });
    expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThan(256 * 1024);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(256 * 1024);
    expect(result).toMatchObject({ outcome: 'published', keyCount: OUTPUTS });
  }, 120_000);
});
