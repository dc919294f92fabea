import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import { FACT_CLAIM_LEASE_MS } from '../../../functions/catalog/Facts.ts';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { INSTANCE_ID } from '../../../functions/shared/instance.ts';
import type { VersionFile } from '../../../functions/catalog/types.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

const file = (name: string, md5: string): VersionFile => ({
  name,
  bucket: 'landing',
  key: `incoming/t/r/${name}`,
  size: 10,
  etag: md5,
  md5,
  read: 'R1',
  lane: 1,
  reads: 1,
});

describe('Catalog (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let catalog: Catalog;
  beforeAll(async () => {
    test = await startTestCatalog();
    catalog = test.catalog;
  });
  afterAll(async () => test.stop());

  // Fact items as another (dead, legacy) process left them, written past the Catalog's API.
  const raw = () =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: test.server.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
  const putFact = (dedupeKey: string, item: Record<string, unknown>) =>
    raw().send(new PutCommand({ TableName: catalog.tableName, Item: { ...keys.fact(dedupeKey), detailType: 'Sample Landed', ...item } }));
  const getFact = async (dedupeKey: string) =>
    (await raw().send(new GetCommand({ TableName: catalog.tableName, Key: keys.fact(dedupeKey) }))).Item;
  const beforeLease = () => new Date(Date.now() - FACT_CLAIM_LEASE_MS - 60_000).toISOString();

  describe('Runs: recordFile', () => {
    it('records a new identity once and reports repeats of the same identity as unchanged', async () => {
      // Prepare
      const landed = {
        name: 'a.fastq.gz',
        bucket: 'landing',
        key: 'incoming/team-a/run1/a.fastq.gz',
        size: 5,
        etag: '"e1"',
        versionId: 'v1',
        landedAt: new Date().toISOString(),
      };
      // Act
      const first = await catalog.runs.recordFile('team-a', 'run1', landed);
      const repeat = await catalog.runs.recordFile('team-a', 'run1', { ...landed, landedAt: new Date().toISOString() });
      const changed = await catalog.runs.recordFile('team-a', 'run1', { ...landed, etag: '"e2"', versionId: 'v2' });
      // Assess
      expect([first.changed, repeat.changed, changed.changed]).toEqual([true, false, true]);
      expect(await catalog.runs.listFiles('team-a', 'run1')).toMatchObject([{ name: 'a.fastq.gz', etag: '"e2"' }]);
      expect(await catalog.runs.get('team-a', 'run1')).toMatchObject({ status: 'RECEIVING' });
    });
  });

  describe('Samples: claimVersion', () => {
    it('maps the same file set to the same ordinal and a changed set to the next, under concurrency', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S1' };
      const clients = Array.from({ length: 6 }, () => test.client());
      // Act: six racers for hash A, then six for hashes B and C interleaved
      const sameHash = await Promise.all(clients.map((client) => client.samples.claimVersion(ref, 'hash-a', [file('x', '1')], 'READY')));
      const mixed = await Promise.all(
        clients.map((client, i) => client.samples.claimVersion(ref, i % 2 ? 'hash-b' : 'hash-c', [file('x', String(i))], 'READY')),
      );
      // Assess
      expect(sameHash.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(sameHash.map((result) => result.version.version))).toEqual(new Set([1]));
      const ordinals = new Map(mixed.map((result) => [result.version.versionHash, result.version.version]));
      expect([...ordinals.values()].sort()).toEqual([2, 3]);
      expect(mixed.filter((result) => result.created)).toHaveLength(2);
      expect((await catalog.samples.listVersions(ref)).map((v) => [v.version, v.versionHash])).toEqual([
        [1, 'hash-a'],
        [2, mixed.find((r) => r.version.version === 2)!.version.versionHash],
        [3, mixed.find((r) => r.version.version === 3)!.version.versionHash],
      ]);
    });
  });

  describe('Executions: markStarted', () => {
    it('records the execution of a version exactly once', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S2' };
      const { version } = await catalog.samples.claimVersion(ref, 'h', [file('y', '2')], 'READY');
      const execution = {
        ...ref,
        version: version.version,
        executionName: 'e',
        executionArn: 'arn:e',
        pipeline: 'demo',
        generation: 0,
        startedAt: new Date().toISOString(),
      };
      // Act
      const results = await Promise.all(Array.from({ length: 5 }, () => test.client().executions.markStarted(execution, execution)));
      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await catalog.samples.getVersion(execution)).toMatchObject({ status: 'RUNNING', executionName: 'e' });
      expect(await catalog.executions.get('e')).toMatchObject({ sampleId: 'S2', generation: 0 });
    });
  });

  describe('Steps: recordPublished', () => {
    it('hands out increasing sequence numbers and publishes a step once', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S3' };
      const { version } = await catalog.samples.claimVersion(ref, 'h3', [file('z', '3')], 'READY');
      const vref = { ...ref, version: version.version };
      // Act
      const qc = await catalog.steps.recordPublished(vref, 'qc', [{ key: 'k1', size: 1, md5: 'm' }], 1);
      const trim = await catalog.steps.recordPublished(vref, 'trim', [{ key: 'k2', size: 2, md5: 'n' }], 2);
      const again = await catalog.steps.recordPublished(vref, 'qc', [{ key: 'k1', size: 1, md5: 'm' }], 1);
      // Assess
      expect([qc, trim, again]).toEqual([
        { first: true, sequence: 1 },
        { first: true, sequence: 2 },
        { first: false, sequence: 1 },
      ]);
      expect((await catalog.steps.list(vref)).map((step) => [step.step, step.sequence, step.attempt])).toEqual([
        ['qc', 1, 1],
        ['trim', 2, 2],
      ]);
    });
  });

  describe('Facts: claim', () => {
    it('lets exactly one of many concurrent claimers emit a fact, and a released claim be taken again', async () => {
      // Act
      const claims = await Promise.all(Array.from({ length: 8 }, () => test.client().facts.claim('fact-1', 'Sample Completed')));
      await catalog.facts.release('fact-1');
      const afterRelease = await catalog.facts.claim('fact-1', 'Sample Completed');
      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(afterRelease).toBe(true);
    });

    it('lets exactly one of many concurrent reclaimers take a stale unpublished claim, as this process', async () => {
      // Prepare: a claim left unpublished by a process that died longer than the lease ago
      await putFact('stale-1', { owner: 'dead-process', claimedAt: beforeLease() });
      // Act
      const claims = await Promise.all(Array.from({ length: 8 }, () => test.client().facts.claim('stale-1', 'Sample Landed')));
      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await getFact('stale-1')).toMatchObject({ owner: INSTANCE_ID, detailType: 'Sample Landed' });
    });

    it.each([
      {
        case: 'a fresh unpublished claim (its owner may still be publishing)',
        item: { owner: 'other-process', claimedAt: new Date(Date.now() - 60_000).toISOString() },
      },
      { case: 'a published claim, however old', item: { owner: 'dead-process', claimedAt: beforeLease(), publishedAt: beforeLease() } },
      { case: 'a legacy claim without an owner (written before owners were recorded)', item: { claimedAt: beforeLease() } },
    ])('never reclaims $case', async ({ case: label, item }) => {
      // Prepare
      const dedupeKey = `kept:${label}`;
      await putFact(dedupeKey, item);
      // Act
      const claimed = await catalog.facts.claim(dedupeKey, 'Sample Landed');
      // Assess
      expect(claimed).toBe(false);
      expect(await getFact(dedupeKey)).toMatchObject(item);
    });

    it('marks a claim published, after which it is never reclaimed or released', async () => {
      // Prepare
      expect(await catalog.facts.claim('published-1', 'Sample Completed')).toBe(true);
      // Act
      await catalog.facts.markPublished('published-1');
      await catalog.facts.release('published-1');
      // Assess
      expect(await getFact('published-1')).toMatchObject({ owner: INSTANCE_ID, publishedAt: expect.any(String) });
      expect(await catalog.facts.claim('published-1', 'Sample Completed')).toBe(false);
    });
  });

  describe('Facts: releaseAbandoned', () => {
    it("releases other owners' unpublished claims only: not published, legacy or this process's own", async () => {
      // Prepare
      await putFact('startup:dead-unpublished', { owner: 'dead-process', claimedAt: new Date().toISOString() });
      await putFact('startup:dead-published', { owner: 'dead-process', claimedAt: beforeLease(), publishedAt: beforeLease() });
      await putFact('startup:legacy', { claimedAt: beforeLease() });
      expect(await catalog.facts.claim('startup:own-unpublished', 'Sample Landed')).toBe(true);
      // Act
      const released = (await catalog.facts.releaseAbandoned()).filter((fact) => fact.dedupeKey.startsWith('startup:'));
      // Assess
      expect(released).toEqual([
        { dedupeKey: 'startup:dead-unpublished', detailType: 'Sample Landed', owner: 'dead-process', claimedAt: expect.any(String) },
      ]);
      expect(await getFact('startup:dead-unpublished')).toBeUndefined();
      for (const kept of ['startup:dead-published', 'startup:legacy', 'startup:own-unpublished'])
        expect(await getFact(kept), kept).toBeDefined();
      expect(await catalog.facts.claim('startup:dead-unpublished', 'Sample Landed')).toBe(true);
    });

    it('leaves a claim that kept its event to the relay', async () => {
      // Prepare
      const claimedAt = new Date().toISOString();
      await putFact('startup:outbox', {
        owner: 'dead-process',
        claimedAt,
        event: '{}',
        ...keys.unpublishedFact('startup:outbox', claimedAt),
      });
      // Act
      const released = await catalog.facts.releaseAbandoned();
      // Assess
      expect(released.map((fact) => fact.dedupeKey)).not.toContain('startup:outbox');
      expect(await getFact('startup:outbox')).toMatchObject({ owner: 'dead-process', event: '{}' });
    });
  });

  describe('Facts: listUnpublished / takeOver', () => {
    const event = (dedupeKey: string) => ({ source: 'landfall', 'detail-type': 'Sample Landed', detail: { dedupeKey } });

    it('lists a claim with its event until it is published, by claim time when asked', async () => {
      // Prepare
      await catalog.facts.claim('outbox:listed', 'Sample Landed', event('outbox:listed'));
      await catalog.facts.claim('outbox:published', 'Sample Landed', event('outbox:published'));
      await catalog.facts.markPublished('outbox:published');
      await catalog.facts.claim('outbox:no-event', 'Sample Landed');
      // Act
      const listed = (await catalog.facts.listUnpublished()).filter((fact) => fact.dedupeKey.startsWith('outbox:'));
      const claimedLongAgo = (await catalog.facts.listUnpublished(new Date(Date.now() - 60_000))).filter((fact) =>
        fact.dedupeKey.startsWith('outbox:'),
      );
      // Assess
      expect(listed).toEqual([
        {
          dedupeKey: 'outbox:listed',
          detailType: 'Sample Landed',
          owner: INSTANCE_ID,
          claimedAt: expect.any(String),
          event: event('outbox:listed'),
        },
      ]);
      expect(claimedLongAgo).toEqual([]);
      expect(await getFact('outbox:published')).not.toHaveProperty('gsi1pk');
    });

    it('lets exactly one of many concurrent takers take over a claim, and none once it changed', async () => {
      // Prepare
      await catalog.facts.claim('outbox:taken', 'Sample Landed', event('outbox:taken'));
      const [fact] = (await catalog.facts.listUnpublished()).filter((candidate) => candidate.dedupeKey === 'outbox:taken');
      // Act
      const takes = await Promise.all(Array.from({ length: 8 }, () => test.client().facts.takeOver(fact!)));
      const afterChange = await catalog.facts.takeOver(fact!);
      // Assess
      expect(takes.filter(Boolean)).toHaveLength(1);
      expect(afterChange).toBe(false);
      expect((await getFact('outbox:taken'))?.claimedAt).not.toBe(fact!.claimedAt);
    });
  });

  describe('Samples: setStatus / listForTeam', () => {
    it('serves samples by team and status from the index', async () => {
      // Prepare
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'A' }, 'RUNNING');
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'B' }, 'COMPLETED');
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'A' }, 'COMPLETED');
      // Act
      const completed = await catalog.samples.listForTeam('team-b', 'COMPLETED');
      const running = await catalog.samples.listForTeam('team-b', 'RUNNING');
      // Assess
      expect(completed.map((sample) => sample.sampleId).sort()).toEqual(['A', 'B']);
      expect(running).toEqual([]);
    });
  });
});
