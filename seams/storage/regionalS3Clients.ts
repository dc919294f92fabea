import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Which S3 client sends the requests for a bucket. */
export type S3ClientForBucket = (bucket: string) => S3Client;

/** How {@link regionalS3Clients} chooses and creates clients. */
export interface RegionalS3ClientsOptions {
  /** Known buckets and their regions (config/defineConfig.ts `bucketRegions`). */
  bucketRegions: Readonly<Record<string, string>>;
  /** Creates the client of one region; `undefined` means the environment's region (`AWS_REGION`). */
  create?: (config: S3ClientConfig) => S3Client;
}

/**
 * One S3 client per region, chosen by the bucket's region: S3 answers a request signed for another region
 * with 301 PermanentRedirect, which SDK v3 does not follow by default. A bucket missing from the map (a
 * lab's reference bucket, say) goes through the environment's region with `followRegionRedirects`, which
 * the SDK documents as a retry in the bucket's region after the 301 — one extra round trip per request, so
 * known buckets never rely on it. Every client follows redirects, so a stale map costs latency, not a failure.
 *
 * @example
 * const storage = new S3Storage(regionalS3Clients({ bucketRegions: bucketRegions(config) }));
 */
export function regionalS3Clients(options: RegionalS3ClientsOptions): S3ClientForBucket {
  const create = options.create ?? ((config: S3ClientConfig) => new S3Client(config));
  const clients = new Map<string | undefined, S3Client>();
  const clientOf = (region: string | undefined): S3Client => {
    let client = clients.get(region);
    if (!client) {
      client = create({ ...(region !== undefined && { region }), followRegionRedirects: true });
      clients.set(region, client);
    }
    return client;
  };
  return (bucket) => clientOf(options.bucketRegions[bucket]);
}
