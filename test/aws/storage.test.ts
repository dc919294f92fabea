/**
 * Emulator tier: THE object-storage contract (test/seams/storage/contract.ts) on S3Storage against moto, with
 * its two buckets in two regions behind the S3 model (test/support/s3Model.ts answers 301 to a request sent to
 * the wrong region), through the clients a Lambda gets (regionalS3Clients). Buckets are versioned, as the stack
 * deploys them (moto's multipart answers differ on unversioned buckets).
 */
import { type BucketLocationConstraint, CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, it } from 'vitest';
import { regionalS3Clients } from '../../seams/storage/regionalS3Clients.ts';
import { S3Storage } from '../../seams/storage/S3Storage.ts';
import { MOTO_MISSING, startMoto } from '../support/motoServer.ts';
import { startS3Model } from '../support/s3Model.ts';
import { describeObjectStorageContract } from '../seams/storage/contract.ts';

const MiB = 1024 * 1024;
const REGION_OF = { 'landfall-contract-home': 'eu-west-1', 'landfall-contract-away': 'us-east-1' } as const;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

if (MOTO_MISSING) {
  describe.skip('ObjectStorage contract: S3Storage on moto (two regions)', () => it('needs moto_server', () => undefined));
} else {
  describeObjectStorageContract(
    'S3Storage on moto, buckets in two regions',
    async () => {
      const moto = await startMoto();
      const model = await startS3Model({ upstream: moto.endpoint, bucketRegions: REGION_OF });
      for (const [bucket, region] of Object.entries(REGION_OF)) {
        const admin = new S3Client({ endpoint: moto.endpoint, region, credentials });
        await admin.send(
          new CreateBucketCommand({
            Bucket: bucket,
            ...(region !== 'us-east-1' && { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
        );
        await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
        admin.destroy();
      }
      const clients: S3Client[] = [];
      const storage = new S3Storage(
        regionalS3Clients({
          bucketRegions: REGION_OF,
          create: (config) => {
            const client = new S3Client({
              ...config,
              // Buckets the map does not name (the contract's missing bucket) use the Lambda's region.
              region: config.region ?? 'eu-west-1',
              endpoint: model.endpoint,
              forcePathStyle: true,
              credentials,
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            });
            clients.push(client);
            return client;
          },
        }),
        { uploadPartSize: 5 * MiB },
      );
      return {
        storage,
        bucket: 'landfall-contract-home',
        otherBucket: 'landfall-contract-away',
        async teardown() {
          for (const client of clients) client.destroy();
          if (model.redirects > 0) throw new Error(`${model.redirects} request(s) went to the wrong region and were redirected`);
          await model.close();
          await moto.close();
        },
      };
    },
    {
      // 1,100 PutObjects take moto over the case's 30 s on a loaded machine; paging is the same SDK code on
      // s3rver (test/seams/storage/S3Storage.test.ts), which runs the case.
      leaveOut: { pagingBeyond1000: 'run on s3rver; too slow on moto for the tier' },
    },
  );
}
