import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACT_CLAIM_LEASE_MS } from '../../../functions/catalog/Facts.ts';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { landfallEvent } from '../../../contracts/events/landfall.ts';
import { emitOnce, relayUnpublishedFacts } from '../../../functions/shared/emit.ts';
import { INSTANCE_ID } from '../../../functions/shared/instance.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

describe('Function: emitOnce (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  beforeAll(async () => {
    test = await startTestCatalog();
  });
  afterAll(async () => test.stop());

  const detail = (dedupeKey: string) => ({ region: 'eu-west-1', alarmName: 'idle', warmVcpus: 0, scaledDownAt: 1, dedupeKey });
  const raw = () =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: test.server.endpoint,
        region: 'eu-west-1',
        credentials: test.server.credentials,
      }),
    );
  const getFact = async (dedupeKey: string) =>
    (await raw().send(new GetCommand({ TableName: test.catalog.tableName, Key: keys.fact(dedupeKey) }))).Item;
  /** A claim as emitOnce leaves it when its process is killed before publishing: the event kept, in the outbox index. */
  const abandonClaim = async (dedupeKey: string, claimedAt: string, owner = 'dead-process') => {
    const event = landfallEvent('Region Scaled Down', detail(dedupeKey));
    await raw().send(
      new PutCommand({
        TableName: test.catalog.tableName,
        Item: {
          ...keys.fact(dedupeKey),
          ...keys.unpublishedFact(dedupeKey, claimedAt),
          detailType: 'Region Scaled Down',
          owner,
          claimedAt,
          event: JSON.stringify(event),
        },
      }),
    );
    return event;
  };
  const recordingBus = () => {
    const published: BusEvent[] = [];
    return { published, svc: { catalog: test.catalog, events: { publish: async (events: BusEvent[]) => void published.push(...events) } } };
  };
  /** A bus that refuses its first `refusals` publishes ("bus unavailable"), then records. */
  const refusingBus = (refusals: number) => {
    const published: BusEvent[] = [];
    const publish = async (events: BusEvent[]) => {
      if (refusals-- > 0) throw new Error('bus unavailable');
      published.push(...events);
    };
    return { published, svc: { catalog: test.catalog, events: { publish } } };
  };
  const mine = (prefix: string, events: BusEvent[]) => events.filter((event) => String(event.detail.dedupeKey).startsWith(prefix));
  const longAgo = () => new Date(Date.now() - FACT_CLAIM_LEASE_MS - 60_000).toISOString();

  it('marks the fact published once its event is out, and emits nothing the second time', async () => {
    // Prepare
    const published: BusEvent[] = [];
    const svc = { catalog: test.catalog, events: { publish: async (events: BusEvent[]) => void published.push(...events) } };
    // Act
    const first = await emitOnce(svc, 'Region Scaled Down', detail('emit-success'));
    const again = await emitOnce(svc, 'Region Scaled Down', detail('emit-success'));
    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(published).toHaveLength(1);
    expect(await getFact('emit-success')).toMatchObject({
      detailType: 'Region Scaled Down',
      owner: INSTANCE_ID,
      claimedAt: expect.any(String),
      publishedAt: expect.any(String),
    });
  });

  it('releases the claim when publishing fails, so a retry emits the fact', async () => {
    // Prepare: the bus refuses the first publish
    const { published, svc } = refusingBus(1);
    // Act
    await expect(emitOnce(svc, 'Region Scaled Down', detail('emit-failure'))).rejects.toThrow('bus unavailable');
    const afterFailure = await getFact('emit-failure');
    const retry = await emitOnce(svc, 'Region Scaled Down', detail('emit-failure'));
    // Assess
    expect(afterFailure).toBeUndefined();
    expect(retry).toBe(true);
    expect(published.map((event) => event.detail?.dedupeKey)).toEqual(['emit-failure']);
    expect(await getFact('emit-failure')).toMatchObject({ publishedAt: expect.any(String) });
  });

  describe('Function: relayUnpublishedFacts', () => {
    it("publishes a dead process's kept event exactly as claimed, once, and leaves it published", async () => {
      // Prepare
      const kept = await abandonClaim('relay-dead', new Date().toISOString());
      const { published, svc } = recordingBus();
      // Act
      const relayed = await relayUnpublishedFacts(svc, { startup: true });
      const again = await relayUnpublishedFacts(svc, { startup: true });
      // Assess
      expect(relayed.map((fact) => fact.dedupeKey)).toContain('relay-dead');
      expect(again.map((fact) => fact.dedupeKey)).not.toContain('relay-dead');
      expect(mine('relay-dead', published)).toEqual([kept]);
      expect(await getFact('relay-dead')).toMatchObject({ owner: INSTANCE_ID, publishedAt: expect.any(String) });
      expect(await getFact('relay-dead')).not.toHaveProperty('event');
      expect(await emitOnce(svc, 'Region Scaled Down', detail('relay-dead'))).toBe(false);
    });

    it("on schedule relays only claims older than the lease; at start every other process's claim, never this one's", async () => {
      // Prepare
      await abandonClaim('relay-when:stale', longAgo());
      await abandonClaim('relay-when:fresh', new Date().toISOString());
      await test.catalog.facts.claim('relay-when:own', 'Region Scaled Down', landfallEvent('Region Scaled Down', detail('relay-when:own')));
      const { published, svc } = recordingBus();
      // Act
      const scheduled = await relayUnpublishedFacts(svc, { startup: false });
      const atStart = await relayUnpublishedFacts(svc, { startup: true });
      // Assess
      expect(scheduled.map((fact) => fact.dedupeKey).filter((key) => key.startsWith('relay-when:'))).toEqual(['relay-when:stale']);
      expect(atStart.map((fact) => fact.dedupeKey).filter((key) => key.startsWith('relay-when:'))).toEqual(['relay-when:fresh']);
      expect(mine('relay-when:', published).map((event) => event.detail.dedupeKey)).toEqual(['relay-when:stale', 'relay-when:fresh']);
      expect(await getFact('relay-when:own')).not.toHaveProperty('publishedAt');
    });

    it('publishes once when several relays race for the same claims', async () => {
      // Prepare
      for (let i = 0; i < 5; i++) await abandonClaim(`relay-race:${i}`, new Date().toISOString());
      const { published, svc } = recordingBus();
      // Act
      await Promise.all(Array.from({ length: 6 }, () => relayUnpublishedFacts(svc, { startup: true })));
      // Assess
      expect(
        mine('relay-race:', published)
          .map((event) => event.detail.dedupeKey)
          .sort(),
      ).toEqual([0, 1, 2, 3, 4].map((i) => `relay-race:${i}`));
    });

    it('keeps a fact whose relay could not publish, and relays it after its lease', async () => {
      // Prepare: the bus refuses the first publish
      await abandonClaim('relay-refused', new Date().toISOString());
      const { published, svc } = refusingBus(1);
      // Act
      const refused = await relayUnpublishedFacts(svc, { startup: true });
      const afterRefusal = await getFact('relay-refused');
      const withinLease = await relayUnpublishedFacts(svc, { startup: false });
      const afterLease = await relayUnpublishedFacts(svc, { startup: false, now: Date.now() + FACT_CLAIM_LEASE_MS + 60_000 });
      // Assess
      expect(refused.map((fact) => fact.dedupeKey)).not.toContain('relay-refused');
      expect(afterRefusal).toMatchObject({ owner: INSTANCE_ID, event: expect.any(String) });
      expect(afterRefusal).not.toHaveProperty('publishedAt');
      expect(withinLease.map((fact) => fact.dedupeKey)).not.toContain('relay-refused');
      expect(afterLease.map((fact) => fact.dedupeKey)).toContain('relay-refused');
      expect(mine('relay-refused', published)).toHaveLength(1);
    });
  });
});
