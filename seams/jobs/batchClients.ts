import { BatchClient } from '@aws-sdk/client-batch';

/** One Batch client per region, created on first use (each region has its own endpoint). */
export function batchClientsByRegion(): (region: string) => BatchClient {
  const clients = new Map<string, BatchClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new BatchClient({ region })));
    return client;
  };
}
