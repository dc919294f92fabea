import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { emitOnce } from '../../../functions/shared/emit.ts';
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
  const getFact = async (dedupeKey: string) => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: test.server.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
    return (await doc.send(new GetCommand({ TableName: test.catalog.tableName, Key: keys.fact(dedupeKey) }))).Item;
  };

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
    expect(await getFact('emit-success')).toMatchObject({ detailType: 'Region Scaled Down', owner: INSTANCE_ID, claimedAt: expect.any(String), publishedAt: expect.any(String) });
  });

  it('releases the claim when publishing fails, so a retry emits the fact', async () => {
    // Prepare: the bus refuses the first publish
    const published: BusEvent[] = [];
    let refusals = 1;
    const svc = {
      catalog: test.catalog,
      events: {
        publish: async (events: BusEvent[]) => {
          if (refusals-- > 0) throw new Error('bus unavailable');
          published.push(...events);
        },
      },
    };
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
});
