import landfall from '../landfall.config.ts';
import { bucketNames } from '../config/defineConfig.ts';
import { StacksError } from './errors.ts';
import { homeRegion, otherRegions, pascal, providerFor } from './regions.ts';
import {
  ABORT_INCOMPLETE_UPLOAD_DAYS,
  LANDING_ARCHIVE_AFTER_DAYS,
  LANDING_ARCHIVE_STORAGE_CLASS,
  NONCURRENT_VERSION_EXPIRY_DAYS,
  STAGING_EXPIRY_DAYS,
} from './retention.ts';

/** One bucket with its region and the KMS key that encrypts it. */
export interface LandfallBucket {
  /** Role of the bucket: `landing`, `results`, `quarantine` or `staging`. */
  readonly role: 'landing' | 'results' | 'quarantine' | 'staging';
  readonly region: string;
  readonly bucket: aws.s3.Bucket;
  /** The customer managed key of the bucket's region. */
  readonly key: aws.kms.Key;
}

const accountId = aws.getCallerIdentityOutput({}).accountId;
const names = bucketNames(landfall);
const stage = $app.stage.toLowerCase();

/**
 * Bucket names are global across AWS accounts, so the config's base name gets the stage and the
 * account id appended. The embedded runtime keeps the bare base names for its folders.
 */
function physicalName(base: string) {
  return $interpolate`${base}-${stage}-${accountId}`;
}

// Checked before any resource is declared, so a deploy fails with this message rather than halfway.
for (const base of [names.landing, names.results, names.quarantine, ...otherRegions.map(names.workArea)]) {
  const length = base.length + stage.length + 14; // two dashes and a 12-digit account id
  if (length > 63) {
    throw new StacksError(
      `bucket name "${base}-${stage}-<account id>" would be ${length} characters; S3 allows 63. ` +
        `Shorten "app" in landfall.config.ts or the stage name "${stage}".`,
    );
  }
}

const keys = new Map<string, aws.kms.Key>();

/** The data key of `region`, created on first use: KMS keys are regional, so each region has its own. */
function keyFor(region: string): aws.kms.Key {
  let key = keys.get(region);
  if (!key) {
    const provider = providerFor(region);
    key = new aws.kms.Key(
      `DataKey${pascal(region)}`,
      {
        description: `Landfall ${$app.name} ${stage} data key (${region})`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      },
      // Deleting the key would make every object it encrypted unreadable, whatever the stage.
      { provider, retainOnDelete: true },
    );
    new aws.kms.Alias(`DataKeyAlias${pascal(region)}`, { name: `alias/${$app.name}-${stage}-data`, targetKeyId: key.keyId }, { provider });
    keys.set(region, key);
  }
  return key;
}

interface BucketOptions {
  versioned: boolean;
  lifecycle?: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  eventBridge?: boolean;
}

function createBucket(logical: string, role: LandfallBucket['role'], base: string, region: string, options: BucketOptions): LandfallBucket {
  const provider = providerFor(region);
  const key = keyFor(region);
  const bucket = new aws.s3.Bucket(logical, { bucket: physicalName(base), forceDestroy: false }, { provider, retainOnDelete: true });
  const child = { provider, parent: bucket };

  new aws.s3.BucketOwnershipControls(`${logical}Ownership`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, child);
  new aws.s3.BucketPublicAccessBlock(
    `${logical}PublicAccessBlock`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${logical}Encryption`,
    {
      bucket: bucket.id,
      // The bucket key cuts KMS requests (and their cost) for the many small files of a run.
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    },
    child,
  );
  new aws.s3.BucketPolicy(
    `${logical}Policy`,
    {
      bucket: bucket.id,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket.arn, $interpolate`${bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    },
    child,
  );
  const versioning = options.versioned
    ? new aws.s3.BucketVersioning(`${logical}Versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, child)
    : undefined;
  if (options.lifecycle) {
    // Lifecycle rules on noncurrent versions only make sense once versioning is on.
    new aws.s3.BucketLifecycleConfiguration(
      `${logical}Lifecycle`,
      { bucket: bucket.id, rules: options.lifecycle },
      { ...child, dependsOn: versioning ? [versioning] : [] },
    );
  }
  if (options.eventBridge) {
    new aws.s3.BucketNotification(`${logical}Notifications`, { bucket: bucket.id, eventbridge: true }, child);
  }
  return { role, region, bucket, key };
}

const abortIncompleteUploads = { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS };

/** Raw files from the instruments' share, `incoming/<team>/<run>/<file>`; its events start everything. */
export const landing: LandfallBucket = createBucket('LandingBucket', 'landing', names.landing, homeRegion, {
  versioned: true,
  eventBridge: true,
  lifecycle: [
    {
      id: 'archive-landed-data',
      status: 'Enabled',
      filter: {},
      transitions: [{ days: LANDING_ARCHIVE_AFTER_DAYS, storageClass: LANDING_ARCHIVE_STORAGE_CLASS }],
      noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRY_DAYS },
      abortIncompleteMultipartUpload: abortIncompleteUploads,
    },
  ],
});

/** Published outputs, `teams/<team>/runs/<run>/...`, and the home region's job work areas. */
export const results: LandfallBucket = createBucket('ResultsBucket', 'results', names.results, homeRegion, {
  versioned: true,
  lifecycle: [
    {
      id: 'expire-old-versions',
      status: 'Enabled',
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRY_DAYS },
      abortIncompleteMultipartUpload: abortIncompleteUploads,
    },
  ],
});

/** Rejected samples with their `reasons.json`. No lifecycle: someone has to look at them. */
export const quarantine: LandfallBucket = createBucket('QuarantineBucket', 'quarantine', names.quarantine, homeRegion, {
  versioned: false,
});

/** One staging bucket per non-home region: job work areas near the compute that uses them. */
export const staging: ReadonlyMap<string, LandfallBucket> = new Map(
  otherRegions.map((region) => [
    region,
    createBucket(`StagingBucket${pascal(region)}`, 'staging', names.workArea(region), region, {
      versioned: false,
      lifecycle: [
        {
          id: 'expire-work-areas',
          status: 'Enabled',
          filter: {},
          expiration: { days: STAGING_EXPIRY_DAYS },
          abortIncompleteMultipartUpload: abortIncompleteUploads,
        },
      ],
    }),
  ]),
);

/**
 * The bucket holding job work areas in `region`: the results bucket at home, the staging bucket elsewhere
 * (the same rule as `bucketNames(config).workArea`).
 *
 * @example
 * const { bucket, key } = workAreaBucket('us-east-1');
 */
export function workAreaBucket(region: string): LandfallBucket {
  if (region === homeRegion) return results;
  const bucket = staging.get(region);
  if (!bucket) throw new StacksError(`no work area in region ${region}: it is not one of the regions in landfall.config.ts`);
  return bucket;
}

/** Data keys by region, for grants to roles that read or write that region's buckets. */
export const dataKeys: ReadonlyMap<string, aws.kms.Key> = keys;

/** Stack outputs shown after `sst deploy`. */
export const outputs = {
  landingBucket: landing.bucket.bucket,
  resultsBucket: results.bucket.bucket,
  quarantineBucket: quarantine.bucket.bucket,
  ...Object.fromEntries([...staging].map(([region, { bucket }]) => [`stagingBucket${pascal(region)}`, bucket.bucket])),
};
