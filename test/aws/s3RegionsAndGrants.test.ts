/**
 * Emulator tier: the storage a Lambda gets in AWS (functions/shared/awsServices.ts) against moto, behind
 * test/support/s3Model.ts, which answers as S3 does where moto does not: 301 for a bucket addressed from
 * another region, 403 for what a function's real grants (stacks/permissions.ts) do not allow, and 403 for a
 * missing key read without s3:ListBucket.
 *
 * Regression tests of issue 18: defect 1 (one S3 client bound to the home region: every request to another
 * region's staging bucket got a 301) and defect 2 (functions that expect "missing" could not list the bucket,
 * so a missing failure record or landed object was a 403 and the handler threw).
 */
import { CreateBucketCommand, type BucketLocationConstraint, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import baseConfig from '../../landfall.config.ts';
import type { FunctionName } from '../../contracts/names.ts';
import { awsServices } from '../../functions/shared/awsServices.ts';
import type { Services } from '../../functions/shared/services.ts';
import { readFailureRecord } from '../../functions/workflow/completeJobTask.ts';
import { StorageError } from '../../seams/storage/errors.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';
import { type BucketKinds, functionGrants, type S3Model, startS3Model } from '../support/s3Model.ts';

const HOME = baseConfig.homeRegion;
const AWAY = baseConfig.regions.find((region) => region.name !== HOME)!.name;
const BUCKETS = {
  landing: 'lf-test-landing',
  results: 'lf-test-results',
  quarantine: 'lf-test-quarantine',
  [`staging:${AWAY}`]: `lf-test-staging-${AWAY}`,
};
const STAGING = BUCKETS[`staging:${AWAY}`]!;
/** A lab's bucket the config does not name (a reference), in the other region. */
const FOREIGN = 'lf-test-lab-references';
const REGION_OF: Record<string, string> = {
  [BUCKETS.landing]: HOME,
  [BUCKETS.results]: HOME,
  [BUCKETS.quarantine]: HOME,
  [STAGING]: AWAY,
  [FOREIGN]: AWAY,
};
const KINDS: Record<string, BucketKinds> = {
  [BUCKETS.landing]: { bucket: 'landingBucket', objects: 'landingObjects' },
  [BUCKETS.results]: { bucket: 'resultsBucket', objects: 'resultsObjects' },
  [BUCKETS.quarantine]: { objects: 'quarantineObjects' },
  [STAGING]: { bucket: 'stagingBuckets', objects: 'stagingObjects' },
};
const grantsOf = (name: FunctionName) => functionGrants(name, (bucket) => KINDS[bucket] ?? {});

describe.skipIf(MOTO_MISSING)('S3 from a Lambda: regions and grants (moto + S3 model)', () => {
  let moto: MotoServer;
  let model: S3Model;
  let svc: Services;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    model = await startS3Model({ upstream: moto.endpoint, bucketRegions: REGION_OF });
    for (const [bucket, region] of Object.entries(REGION_OF)) {
      const client = new S3Client({ endpoint: moto.endpoint, region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      await client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region !== 'us-east-1' && { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
      client.destroy();
    }
    // What the stack gives every function: its home region, the deployed names; S3 goes through the model.
    Object.assign(process.env, moto.env, {
      AWS_ENDPOINT_URL_S3: model.endpoint,
      AWS_REGION: HOME,
      LANDFALL_BUCKETS: JSON.stringify(BUCKETS),
      LANDFALL_BUS_NAME: 'lf-test-bus',
      LANDFALL_STATE_MACHINES: '{}',
      LANDFALL_CATALOG_TABLE: 'lf-test-catalog',
      LANDFALL_STAGE: 'test',
    });
    svc = await awsServices();
  });

  afterAll(async () => {
    process.env = saved;
    await model?.close();
    await moto?.close();
  });

  it('sends each request to its bucket’s region: staging away from home is read, listed, copied home without a redirect', async () => {
    model.actAs(undefined);
    const before = model.redirects;
    const key = 'work/exec-1/qc/attempt-1/out/qc.json';
    await svc.storage.put(STAGING, key, '{"reads":200}\n', { contentType: 'application/json' });
    expect((await svc.storage.list(STAGING, 'work/exec-1/')).map((object) => object.key)).toEqual([key]);
    expect((await svc.storage.getBytes(STAGING, key)).toString('utf8')).toBe('{"reads":200}\n');
    // publishStep's copy: source in the staging region, target at home (the request goes to the target's region).
    await svc.storage.copy(STAGING, key, BUCKETS.results, 'teams/genomics/qc.json');
    expect((await svc.storage.getBytes(BUCKETS.results, 'teams/genomics/qc.json')).toString('utf8')).toBe('{"reads":200}\n');
    // …and back out (replaceJob stages a manifest into another region's work area).
    await svc.storage.copy(BUCKETS.results, 'teams/genomics/qc.json', STAGING, 'work/exec-2/manifest.json');
    expect(await svc.storage.head(STAGING, 'work/exec-2/manifest.json')).toMatchObject({ size: 14 });
    await svc.storage.delete(STAGING, key);
    expect(await svc.storage.head(STAGING, key)).toBeUndefined();
    expect(model.redirects - before).toBe(0);
  });

  it('reaches a bucket the config does not name through the SDK’s region redirect', async () => {
    model.actAs(undefined);
    const seeded = new S3Client({ endpoint: moto.endpoint, region: AWAY, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await seeded.send(new PutObjectCommand({ Bucket: FOREIGN, Key: 'hg38/genome.fa', Body: '>chr1\nACGT\n' }));
    seeded.destroy();
    const before = model.redirects;
    expect((await svc.storage.list(FOREIGN, 'hg38/')).map((object) => object.key)).toEqual(['hg38/genome.fa']);
    expect(model.redirects - before).toBe(1);
  });

  it('the model refuses what a function is not granted (the check below is not vacuous)', async () => {
    model.actAs(grantsOf('publishActivity'));
    await expect(svc.storage.getBytes(BUCKETS.results, 'teams/genomics/qc.json')).rejects.toThrow(/AccessDenied/);
    await expect(svc.storage.getBytes(BUCKETS.results, 'teams/genomics/qc.json')).rejects.toBeInstanceOf(StorageError);
    model.actAs(undefined);
  });

  it.each(['jobStateChange', 'reconcileRuns'] as const)(
    '%s, with its real grants, reads a failure record stage-out never wrote as missing (404), at home and away',
    async (name) => {
      model.actAs(grantsOf(name));
      try {
        for (const bucket of [BUCKETS.results, STAGING]) {
          expect(await readFailureRecord(svc, bucket, 'work/exec-9/trim/attempt-1/failure.json')).toBeUndefined();
        }
      } finally {
        model.actAs(undefined);
      }
    },
  );

  it.each(['land', 'reconcileRuns'] as const)(
    '%s, with its real grants, finds a landed object deleted before its event is handled gone',
    async (name) => {
      model.actAs(grantsOf(name));
      try {
        expect(await svc.storage.head(BUCKETS.landing, 'incoming/genomics/run-1/gone.fastq.gz')).toBeUndefined();
      } finally {
        model.actAs(undefined);
      }
    },
  );
});
