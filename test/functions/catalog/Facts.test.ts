import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import { FACT_CLAIM_LEASE_MS } from '../../../functions/catalog/Facts.ts';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { INSTANCE_ID } from '../../../functions/shared/instance.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

describe("Facts (the catalog's outbox, against the local DynamoDB-compatible server)", () => {
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
        credentials: test.server.credentials,
      }),
    );
  const putFact = (dedupeKey: string, item: Record<string, unknown>) =>
    raw().send(new PutCommand({ TableName: catalog.tableName, Item: { ...keys.fact(dedupeKey), detailType: 'Sample Landed', ...item } }));
  const getFact = async (dedupeKey: string) =>
    (await raw().send(new GetCommand({ TableName: catalog.tableName, Key: keys.fact(dedupeKey) }))).Item;
  const beforeLease = () => new Date(Date.now() - FACT_CLAIM_LEASE_MS - 60_000).toISOString();

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
});
