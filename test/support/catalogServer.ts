import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Catalog } from '../../functions/catalog/Catalog.ts';
import { startCatalogServer, type CatalogServer } from '../../runtime/catalog/startCatalogServer.ts';

/** A real local DynamoDB-compatible server (dynalite on LevelDB) with a fresh catalog table. */
export async function startTestCatalog(): Promise<{
  catalog: Catalog;
  server: CatalogServer;
  client: () => Catalog;
  stop(): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-catalog-'));
  const server = await startCatalogServer(dir);
  const client = () =>
    new Catalog(
      'landfall-catalog',
      new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials: server.credentials }),
    );
  const catalog = client();
  await catalog.ensureTable();
  return {
    catalog,
    server,
    client,
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
