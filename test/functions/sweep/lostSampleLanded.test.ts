/**
 * A "Sample Landed" that went out but whose validation never ran: the embedded bus holds deliveries in memory,
 * so a runtime killed while one waited for a `validate` place (or before recording its announcement on the
 * sample) left the sample RECEIVING forever — its fact published, so no evaluation announces it again, and
 * the sweep recovered only VALIDATING samples (a flake of test/e2e/crashRecovery.test.ts, reproduced 2 in 12
 * runs). Against the real local catalog and folder storage; the sweep's start-up pass validates it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../../config/defineConfig.ts';
import { landObject } from '../../../functions/landing/landObject.ts';
import { sweep } from '../../support/sweep.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

const TEAM = 'genomics';

describe('a sample whose "Sample Landed" went out and was never validated', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  /** Executions the sweep started (its READY recovery starts what it cataloged): their names. */
  const started: string[] = [];
  beforeAll(async () => {
    harness = await startServicesHarness();
    harness.services.workflows.startExecution = async ({ name }) => {
      started.push(name);
      return { executionArn: `arn:aws:states:eu-west-1:000000000000:execution:demo:${name}`, startDate: new Date() };
    };
    // Later sweeps see the started executions live.
    harness.services.workflows.describeExecution = async () => ({ status: 'RUNNING' }) as never;
  });
  afterAll(async () => harness?.stop());

  /** Lands a complete one-sample run as `land` does; its "Sample Landed" is published and not delivered. */
  async function landRun(runId: string) {
    const files: Array<[string, Buffer]> = [
      ['S1_S1_L001_R1_001.fastq.gz', gz(reads(30, { mate: 1 }))],
      ['S1_S1_L001_R2_001.fastq.gz', gz(reads(30, { mate: 2 }))],
      ['SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n')],
      ['CopyComplete.txt', Buffer.alloc(0)],
    ];
    for (const [name, bytes] of files) {
      const key = `incoming/${TEAM}/${runId}/${name}`;
      await harness.folders.put(harness.names.landing, key, bytes);
      await landObject(harness.services, { bucket: harness.names.landing, key });
    }
  }
  const ref = (runId: string) => ({ team: TEAM, runId, sampleId: 'S1' });
  const factsOf = (runId: string, detailType: string) =>
    harness.published.filter((event) => event['detail-type'] === detailType && event.detail.runId === runId).length;

  it.each([
    { case: 'its delivery lost (announcement recorded on the sample)', forgetAnnouncement: false },
    { case: 'its publisher dead before recording the announcement', forgetAnnouncement: true },
  ])('$case: left to its event on schedule, validated by the start-up sweep', async ({ forgetAnnouncement }) => {
    // Prepare
    const runId = forgetAnnouncement ? '261123_LH00417_0960_B22LOSTB' : '261123_LH00417_0961_B22LOSTA';
    await landRun(runId);
    expect(factsOf(runId, 'Sample Landed')).toBe(1);
    if (forgetAnnouncement) {
      const doc = DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: harness.catalogEndpoint, region: 'eu-west-1', credentials: harness.catalogCredentials }),
      );
      await doc.send(
        new UpdateCommand({
          TableName: tableNames(harness.services.config).catalog,
          Key: { pk: `RUN#${TEAM}#${runId}`, sk: 'SAMPLE#S1' },
          UpdateExpression: 'REMOVE landedIdentity',
        }),
      );
    }
    // Act: a scheduled sweep (the delivery may still be on its way), then a runtime's start-up sweep
    await sweep(false);
    const afterScheduled = await harness.services.catalog.samples.get(ref(runId));
    await sweep(true);
    // Assess
    expect(afterScheduled?.status).toBe('RECEIVING');
    const sample = await harness.services.catalog.samples.get(ref(runId));
    expect(sample?.currentVersion).toBe(1);
    expect(sample?.status).toBe('RUNNING');
    expect(factsOf(runId, 'Sample Cataloged')).toBe(1);
    expect(started.filter((name) => name.includes(runId))).toHaveLength(1);
    expect(factsOf(runId, 'Sample Landed')).toBe(1); // the fact is not announced twice
  });

  it('a validation that died is validated again on the file set it began with, whatever the run’s documents say now', async () => {
    // Prepare: announced, then its validation began (VALIDATING, file set recorded) and its process died; since
    // then the run's sample sheet cannot be read, so the run's completeness no longer names the sample ready
    const runId = '261123_LH00417_0963_B22LOSTD';
    await landRun(runId);
    const files = ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L001_R2_001.fastq.gz'];
    await harness.services.catalog.samples.setStatus(ref(runId), 'VALIDATING', { detail: 'validating 2 files', validating: { files } });
    const sheetKey = `incoming/${TEAM}/${runId}/SampleSheet.csv`;
    await harness.folders.put(harness.names.landing, sheetKey, Buffer.from('\u0000\u0001 not a sheet'));
    await landObject(harness.services, { bucket: harness.names.landing, key: sheetKey });
    // Act
    await sweep(true);
    // Assess
    const sample = await harness.services.catalog.samples.get(ref(runId));
    expect(sample?.status).toBe('RUNNING');
    expect(sample?.currentVersion).toBe(1);
    expect(factsOf(runId, 'Sample Cataloged')).toBe(1);
  });

  it('a validation that died on a file set kept in the catalog (too many files for the item) is validated again on all of it', async () => {
    // Prepare: the set names both mates; the sample item lists only the first name beside it, as it does for thousands
    const runId = '261123_LH00417_0965_B22LOSTF';
    await landRun(runId);
    const reads = [1, 2].map((mate) => ({
      name: `S1_S1_L001_R${mate}_001.fastq.gz`,
      label: `R${mate}` as const,
      role: `mate${mate}` as const,
      lane: 1,
      part: 1,
    }));
    const fileSet = await harness.services.catalog.samples.fileSets.put(ref(runId), 'landed-test', reads);
    await harness.services.catalog.samples.setStatus(ref(runId), 'VALIDATING', {
      detail: 'validating 2 files',
      validating: { files: [reads[0]!.name], fileSet },
    });
    // Act
    await sweep(true);
    // Assess: cataloged on both files, not on the one the item names
    const sample = await harness.services.catalog.samples.get(ref(runId));
    expect(sample?.status).toBe('RUNNING');
    const version = await harness.services.catalog.samples.getVersion({ ...ref(runId), version: sample!.currentVersion! });
    expect(version?.files.map((file) => `${file.name} ${file.role}`)).toEqual(reads.map((read) => `${read.name} ${read.role}`));
  });

  it('a validation that died before this runtime started is validated again by a scheduled sweep when the start-up one did not', async () => {
    // Prepare: VALIDATING with its file set, last heard of before the runtime (its sweeps say when) started
    const runId = '261123_LH00417_0964_B22LOSTE';
    await landRun(runId);
    const files = ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L001_R2_001.fastq.gz'];
    await harness.services.catalog.samples.setStatus(ref(runId), 'VALIDATING', { detail: 'validating 2 files', validating: { files } });
    const startedAt = new Date(Date.now() + 1_000).toISOString();
    // Act: a scheduled sweep of a runtime that does not say when it started, then one of a runtime that does
    await sweep(false);
    const unnamed = await harness.services.catalog.samples.get(ref(runId));
    await sweep(false, startedAt);
    // Assess: left alone while it may still be running somewhere; validated, cataloged and started once orphaned
    expect(unnamed?.status).toBe('VALIDATING');
    const sample = await harness.services.catalog.samples.get(ref(runId));
    expect(sample?.status).toBe('RUNNING');
    expect(sample?.currentVersion).toBe(1);
    expect(factsOf(runId, 'Sample Cataloged')).toBe(1);
  });

  it('a sample not announced is left to its run’s evaluation, not validated by the recovery', async () => {
    // Prepare: the files landed but no completion signal (no CopyComplete.txt)
    const runId = '261123_LH00417_0962_B22LOSTC';
    for (const [name, bytes] of [
      ['S1_S1_L001_R1_001.fastq.gz', gz(reads(30, { mate: 1 }))],
      ['S1_S1_L001_R2_001.fastq.gz', gz(reads(30, { mate: 2 }))],
      ['SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n')],
    ] as const) {
      const key = `incoming/${TEAM}/${runId}/${name}`;
      await harness.folders.put(harness.names.landing, key, bytes);
      await landObject(harness.services, { bucket: harness.names.landing, key });
    }
    // Act
    await sweep(true);
    // Assess
    expect((await harness.services.catalog.samples.get(ref(runId)))?.status).toBe('RECEIVING');
    expect(factsOf(runId, 'Sample Landed')).toBe(0);
    expect(factsOf(runId, 'Sample Cataloged')).toBe(0);
  });
});
