/**
 * What the policy checks (checks.ts, platformChecks.ts) share about the resources the offline harness
 * recorded: the violation shape, the resource types they look for, and which region a resource is in.
 */
import type { RecordedResource, SstProgramRun } from '../support/pulumiHarness.ts';

export type CheckName =
  | 'bucket-encryption'
  | 'public-access-block'
  | 'tls-only'
  | 'versioning'
  | 'staging-buckets'
  | 'wildcard-iam'
  | 'event-rules'
  | 'table-encryption'
  | 'public-ip';

/** One broken rule: which check, which resource (logical name), and what was expected vs found. */
export interface Violation {
  check: CheckName;
  resource: string;
  message: string;
}

export const types = {
  bucket: 'aws:s3/bucket:Bucket',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  kmsKey: 'aws:kms/key:Key',
  awsProvider: 'pulumi:providers:aws',
} as const;

/** The recorded program, as far as the checks read it. */
export type Run = Pick<SstProgramRun, 'app' | 'resources'>;

/** The region a resource is deployed to: its provider's region, or the app's home region for the default provider. */
export function regionOf(run: Run, resource: RecordedResource): string {
  if (!resource.provider) return run.app.region;
  const provider = run.resources.find((r) => r.type === types.awsProvider && resource.provider!.endsWith(`::${r.id}`));
  if (!provider) throw new Error(`${resource.name}: provider ${resource.provider} was never declared`);
  return String(provider.inputs.region ?? run.app.region);
}
