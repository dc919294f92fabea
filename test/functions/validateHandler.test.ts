/**
 * The validate handler under a redelivered "Sample Landed" (EventBridge delivers at least once), through
 * its composed middy chain on the real local DynamoDB-compatible server: the second delivery is answered
 * from the idempotency store without streaming the files again.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../config/defineConfig.ts';
import { ensureIdempotencyTable } from '../../functions/shared/idempotency.ts';
import { installServices } from '../../functions/shared/services.ts';
import { handler } from '../../functions/validate.ts';
import { concludeValidation } from '../../functions/validation/concludeValidation.ts';
import { validateSample } from '../../validation/validateSample.ts';
import { localContext } from '../../runtime/lambda/invokeLocally.ts';
import { applyEnvironment, localAwsEnvironment } from '../../runtime/localAwsEnvironment.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';
import { gz, reads } from '../validation/fastqFixtures.ts';

const TEAM = 'genomics';
const RUN = '261123_LH00417_0700_B22VALONCE';

/** "Sample Landed" for a sample's files, as the run's evaluation announces it. */
const sampleLanded = (runId: string, sampleId: string, files: string[]) =>
  ({
    version: '0',
    id: 'e1',
    source: 'landfall',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Sample Landed',
    detail: { team: TEAM, runId, sampleId, files, dedupeKey: `landed:${TEAM}/${runId}/${sampleId}:abc` },
  }) as Parameters<typeof handler>[0];

describe('validate handler idempotency', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const savedEnv = { ...process.env };
  const reads_: string[] = [];
  const counting = (storage: ObjectStorage): ObjectStorage =>
    new Proxy(storage, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'get' && typeof value === 'function')
          return (bucket: string, key: string, ...rest: unknown[]) => (
            reads_.push(key), (value as (...args: unknown[]) => unknown).call(target, bucket, key, ...rest)
          );
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });

  beforeAll(async () => {
    harness = await startServicesHarness({ wrapStorage: counting });
    applyEnvironment(
      localAwsEnvironment({
        region: 'eu-west-1',
        catalogEndpoint: harness.catalogEndpoint,
        catalogCredentials: harness.catalogCredentials,
      }),
    );
    await ensureIdempotencyTable(new DynamoDBClient({}), tableNames(harness.services.config).idempotency);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await harness?.stop();
  });

  it('validates and catalogs once; a redelivery gets the same answer without reading the files again', async () => {
    // Prepare: a landed pair, recorded in the catalog as land would
    const files = { 'S1_S1_L001_R1_001.fastq.gz': gz(reads(50, { mate: 1 })), 'S1_S1_L001_R2_001.fastq.gz': gz(reads(50, { mate: 2 })) };
    for (const [name, bytes] of Object.entries(files)) {
      const key = `incoming/${TEAM}/${RUN}/${name}`;
      const info = await harness.folders.put(harness.names.landing, key, bytes);
      await harness.services.catalog.runs.recordFile(TEAM, RUN, {
        name,
        bucket: harness.names.landing,
        key,
        size: info.size,
        etag: info.etag,
        landedAt: new Date().toISOString(),
      });
    }
    const event = sampleLanded(RUN, 'S1', Object.keys(files));
    const validate = (id: string) =>
      handler({ ...event, id }, localContext('validate', 30_000)) as Promise<{
        outcome: string;
        version: number;
      }>;
    // Act
    const first = await validate('e1');
    const readsAfterFirst = reads_.length;
    const again = await validate('e2');
    // Assess
    expect(first).toEqual({ outcome: 'cataloged', version: 1 });
    expect(readsAfterFirst).toBeGreaterThanOrEqual(2);
    expect(again).toEqual(first);
    expect(reads_).toHaveLength(readsAfterFirst);
    expect(harness.published.filter((e) => e['detail-type'] === 'Sample Cataloged')).toHaveLength(1);
  });

  it('concludes a version whose process died after claiming it: status READY and "Sample Cataloged" once', async () => {
    // Prepare: the pair validated and its version claimed, then the process died (nothing else written)
    const run = `${RUN}2`;
    const files = { 'S2_S1_L001_R1_001.fastq.gz': gz(reads(40, { mate: 1 })), 'S2_S1_L001_R2_001.fastq.gz': gz(reads(40, { mate: 2 })) };
    const landed = [];
    for (const [name, bytes] of Object.entries(files)) {
      const key = `incoming/${TEAM}/${run}/${name}`;
      const info = await harness.folders.put(harness.names.landing, key, bytes);
      landed.push({ name, bucket: harness.names.landing, key, size: info.size, etag: info.etag, landedAt: new Date().toISOString() });
    }
    const ref = { team: TEAM, runId: run, sampleId: 'S2' };
    const result = await validateSample(harness.services, landed);
    await harness.services.catalog.samples.claimVersion(ref, result.versionHash, result.files, 'READY');
    const cataloged = () => harness.published.filter((e) => e['detail-type'] === 'Sample Cataloged' && e.detail.runId === run);
    // Act: the sweep's re-validation concludes it, and a later identical re-upload changes nothing
    const resumed = await concludeValidation(harness.services, ref, result);
    const repeated = await concludeValidation(harness.services, ref, result);
    // Assess
    expect(resumed).toEqual({ outcome: 'cataloged', version: 1 });
    expect(cataloged().map((e) => e.detail.version)).toEqual([1]);
    expect(repeated.version).toBe(1);
    expect(await harness.services.catalog.samples.listInRun(TEAM, run)).toMatchObject([
      { sampleId: 'S2', status: 'READY', currentVersion: 1 },
    ]);
    await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { workflowStartedAt: new Date().toISOString() });
    expect(await concludeValidation(harness.services, ref, result)).toEqual({ outcome: 'same-version', version: 1 });
  });
  it('a rejection whose "Sample Rejected" failed to publish is announced by the retry, quarantined once', async () => {
    // Prepare: a pair whose mates disagree (40 reads against 30): rejected
    const run = `${RUN}3`;
    const files = { 'S3_S1_L001_R1_001.fastq.gz': gz(reads(40, { mate: 1 })), 'S3_S1_L001_R2_001.fastq.gz': gz(reads(30, { mate: 2 })) };
    const landed = [];
    for (const [name, bytes] of Object.entries(files)) {
      const key = `incoming/${TEAM}/${run}/${name}`;
      const info = await harness.folders.put(harness.names.landing, key, bytes);
      const file = { name, bucket: harness.names.landing, key, size: info.size, etag: info.etag, landedAt: new Date().toISOString() };
      await harness.services.catalog.runs.recordFile(TEAM, run, file); // as land records it
      landed.push(file);
    }
    const ref = { team: TEAM, runId: run, sampleId: 'S3' };
    const result = await validateSample(harness.services, landed);
    expect(result.reasons.length).toBeGreaterThan(0);
    const rejected = () => harness.published.filter((e) => e['detail-type'] === 'Sample Rejected' && e.detail.runId === run);
    const publish = harness.services.events.publish;
    harness.services.events.publish = async (events) => {
      harness.services.events.publish = publish; // fails once, as PutEvents may
      throw new Error(`PutEvents failed for ${events.map((e) => e['detail-type']).join(', ')}`);
    };
    // Act: the first attempt quarantines, then its fact fails to go out; the retry
    await expect(concludeValidation(harness.services, ref, result)).rejects.toThrow('PutEvents failed for Sample Rejected');
    const retried = await concludeValidation(harness.services, ref, result);
    // Assess
    expect(retried).toEqual({ outcome: 'rejected', version: 1 });
    expect(rejected().map((e) => e.detail.version)).toEqual([1]);
    const [sample] = await harness.services.catalog.samples.listInRun(TEAM, run);
    expect(sample).toMatchObject({ status: 'REJECTED', currentVersion: 1 });
    expect(sample?.detail).toContain('S3_S1_L001_R');
    const quarantined = await harness.folders.list(harness.names.quarantine, '');
    expect(
      quarantined
        .filter((object) => object.key.includes(`/${run}/`))
        .map((object) => object.key.split('/').pop())
        .sort(),
    ).toEqual(['S3_S1_L001_R1_001.fastq.gz', 'S3_S1_L001_R2_001.fastq.gz', 'reasons.json']);
    // An identical re-upload later announces nothing more
    expect(await concludeValidation(harness.services, ref, result)).toEqual({ outcome: 'same-version', version: 1 });
    expect(rejected()).toHaveLength(1);
  });

  it('validates with the services installed now: a runtime started after another in one process uses its own catalog', async () => {
    // Prepare: the first test validated with this harness; a second one (its own catalog server) is installed
    const second = await startServicesHarness();
    try {
      // Its idempotency table on its own server only: the first harness's endpoint stays in the environment
      await ensureIdempotencyTable(second.services.catalog.client, tableNames(second.services.config).idempotency);
      const run = `${RUN}4`;
      const names = ['S4_S1_L001_R1_001.fastq.gz', 'S4_S1_L001_R2_001.fastq.gz'];
      await second.landFile(TEAM, run, names[0]!, gz(reads(20, { mate: 1 })));
      await second.landFile(TEAM, run, names[1]!, gz(reads(20, { mate: 2 })));
      // Act
      const outcome = await handler(sampleLanded(run, 'S4', names), localContext('validate', 30_000));
      // Assess: cataloged in the second catalog, announced by the second harness, nothing in the first
      expect(outcome).toEqual({ outcome: 'cataloged', version: 1 });
      expect(await second.services.catalog.samples.listInRun(TEAM, run)).toMatchObject([{ sampleId: 'S4', currentVersion: 1 }]);
      expect(second.published.filter((e) => e['detail-type'] === 'Sample Cataloged').map((e) => e.detail.sampleId)).toEqual(['S4']);
      expect(await harness.services.catalog.samples.listInRun(TEAM, run)).toEqual([]);
    } finally {
      await second.stop();
      installServices(harness.services);
    }
  });
});
