/**
 * The idempotency guard (functions/shared/idempotency.ts) against a real DynamoDB-compatible server (dynalite)
 * that restarts while the guarded work fails: the in-progress record Powertools could not delete then is
 * cleared once the server answers again, so the retry does the work instead of being answered "duplicate"
 * (an event dropped until the record expired; a sample stuck VALIDATING in the catalog-restart fault test).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIdempotencyTable, idempotentPerHandler } from '../../../functions/shared/idempotency.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

const TABLE = 'landfall-idempotency-test';
const ENV_KEYS = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

describe('idempotentPerHandler when the store restarts under failing work', () => {
  let catalog: Awaited<ReturnType<typeof startTestCatalog>>;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

  beforeAll(async () => {
    catalog = await startTestCatalog();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: catalog.server.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: catalog.server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: catalog.server.credentials.secretAccessKey,
    });
    await ensureIdempotencyTable(new DynamoDBClient({}), TABLE);
  });
  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await catalog?.stop();
  });

  it('does the work on the retry after a failure the store could not be told about', async () => {
    // Prepare: the first run takes the server down (1.5 s), then fails while it is down
    let runs = 0;
    let restarting: Promise<void> | undefined;
    const guarded = idempotentPerHandler('validate', TABLE, async (key: { sample: string }) => {
      runs++;
      if (runs === 1) {
        restarting = catalog.server.restart(1500);
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error(`validating ${key.sample} failed: the catalog went away`);
      }
      return { outcome: 'validated', sample: key.sample };
    });
    // Act
    await expect(guarded({ sample: 'Sample03' })).rejects.toThrow();
    await restarting;
    const retried = await guarded({ sample: 'Sample03' });
    // Assess: the retry ran the work (not a "duplicate" answer), and a repeat after it is answered from the store
    expect(retried).toEqual({ outcome: 'validated', sample: 'Sample03' });
    expect(await guarded({ sample: 'Sample03' })).toEqual({ outcome: 'validated', sample: 'Sample03' });
    expect(runs).toBe(2);
  });
});
