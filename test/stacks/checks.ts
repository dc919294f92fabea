/**
 * Policy checks over the resources `sst.config.ts` declares (as recorded by the offline harness).
 * Each check is a plain function returning violations that name the offending resource, so a test
 * can assert "none" on the real program and "exactly these" on a deliberately broken one.
 */
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import type { RecordedResource } from '../support/pulumiHarness.ts';
import { checkEventRules, checkNoPublicIps, checkTableEncryption } from './platformChecks.ts';
import { type CheckName, regionOf, type Run, types, type Violation } from './resources.ts';

const violation = (check: CheckName, resource: RecordedResource | string, problem: string): Violation => {
  const name = typeof resource === 'string' ? resource : resource.name;
  const type = typeof resource === 'string' ? '' : ` (${resource.type})`;
  return { check, resource: name, message: `${name}${type}: ${problem}` };
};

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function buckets(run: Run): RecordedResource[] {
  return run.resources.filter((r) => r.type === types.bucket);
}

/** Resources of `type` configuring `bucket` (their `bucket` input is the bucket's id, i.e. its name). */
export function attached(run: Run, bucket: RecordedResource, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type && r.inputs.bucket === bucket.id);
}

/** Every bucket encrypts by default with SSE-KMS under a customer key declared in the bucket's own region. */
export function checkBucketEncryption(run: Run): Violation[] {
  const keys = run.resources.filter((r) => r.type === types.kmsKey);
  return buckets(run).flatMap((bucket) => {
    const configs = attached(run, bucket, types.encryption);
    if (configs.length === 0) return [violation('bucket-encryption', bucket, 'no default encryption configuration')];
    const rules = list(configs[0]!.inputs.rules) as {
      applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string };
    }[];
    const byDefault = rules[0]?.applyServerSideEncryptionByDefault;
    if (byDefault?.sseAlgorithm !== 'aws:kms') {
      return [violation('bucket-encryption', bucket, `default encryption is ${String(byDefault?.sseAlgorithm)}, expected aws:kms`)];
    }
    const key = keys.find((k) => k.arn === byDefault.kmsMasterKeyId || k.id === byDefault.kmsMasterKeyId);
    if (!key)
      return [
        violation('bucket-encryption', bucket, `KMS key ${String(byDefault.kmsMasterKeyId)} is not a customer key declared by the program`),
      ];
    const [bucketRegion, keyRegion] = [regionOf(run, bucket), regionOf(run, key)];
    if (bucketRegion !== keyRegion) {
      return [violation('bucket-encryption', bucket, `bucket is in ${bucketRegion} but its key ${key.name} is in ${keyRegion}`)];
    }
    return [];
  });
}

const publicAccessSettings = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;

/** Every bucket has a public access block with all four settings on. */
export function checkPublicAccessBlock(run: Run): Violation[] {
  return buckets(run).flatMap((bucket) => {
    const blocks = attached(run, bucket, types.publicAccessBlock);
    if (blocks.length === 0) return [violation('public-access-block', bucket, 'no public access block')];
    const off = publicAccessSettings.filter((setting) => blocks[0]!.inputs[setting] !== true);
    return off.length === 0
      ? []
      : [
          violation(
            'public-access-block',
            bucket,
            `public access block has ${off.map((s) => `${s}=${String(blocks[0]!.inputs[s])}`).join(', ')}; all four must be true`,
          ),
        ];
  });
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function parsePolicy(value: unknown): { Statement?: unknown } | undefined {
  if (typeof value === 'string') {
    try {
      const parsed = JSON.parse(value) as unknown;
      return parsed && typeof parsed === 'object' && 'Statement' in parsed ? (parsed as { Statement?: unknown }) : undefined;
    } catch {
      return undefined;
    }
  }
  return value && typeof value === 'object' && 'Statement' in value ? (value as { Statement?: unknown }) : undefined;
}

const isAnyone = (principal: unknown) =>
  principal === '*' || (typeof principal === 'object' && principal !== null && list((principal as { AWS?: unknown }).AWS).includes('*'));

/** Every bucket's policy denies any request not made over TLS, for the bucket and every object in it. */
export function checkTlsOnly(run: Run): Violation[] {
  return buckets(run).flatMap((bucket) => {
    const policies = attached(run, bucket, types.bucketPolicy);
    if (policies.length === 0) return [violation('tls-only', bucket, 'no bucket policy, so plain-HTTP requests are allowed')];
    const statements = list(parsePolicy(policies[0]!.inputs.policy)?.Statement) as Statement[];
    const denies = statements.some((s) => {
      const secure = s.Condition?.Bool?.['aws:SecureTransport'];
      const actions = list(s.Action);
      const resources = list(s.Resource);
      return (
        s.Effect === 'Deny' &&
        isAnyone(s.Principal) &&
        list(secure).some((v) => v === 'false' || v === false) &&
        (actions.includes('s3:*') || actions.includes('*')) &&
        resources.includes(bucket.arn) &&
        resources.includes(`${bucket.arn}/*`)
      );
    });
    return denies
      ? []
      : [
          violation(
            'tls-only',
            bucket,
            `policy ${policies[0]!.name} has no Deny of s3:* on the bucket and its objects when aws:SecureTransport is false`,
          ),
        ];
  });
}

/** The named buckets (logical names) exist and have versioning enabled. */
export function checkVersioning(run: Run, versioned: readonly string[]): Violation[] {
  return versioned.flatMap((name) => {
    const bucket = buckets(run).find((b) => b.name === name);
    if (!bucket) return [violation('versioning', name, 'bucket not declared')];
    const status = (attached(run, bucket, types.versioning)[0]?.inputs.versioningConfiguration as { status?: string } | undefined)?.status;
    return status === 'Enabled' ? [] : [violation('versioning', bucket, `versioning is ${status ?? 'not configured'}, expected Enabled`)];
  });
}

/** Exactly one staging bucket per non-home region, each deployed in that region (through that region's provider). */
export function checkStagingBuckets(run: Run, config: LandfallConfig): Violation[] {
  const names = bucketNames(config);
  const staging = buckets(run).filter((b) => b.id.startsWith(`${config.app}-staging-`));
  const violations: Violation[] = [];
  for (const region of config.regions.map((r) => r.name).filter((name) => name !== config.homeRegion)) {
    const matching = staging.filter((b) => b.id.startsWith(`${names.workArea(region)}-`));
    if (matching.length !== 1) {
      violations.push(
        violation(
          'staging-buckets',
          `staging bucket for ${region}`,
          `expected 1 bucket named ${names.workArea(region)}-…, found ${matching.length}`,
        ),
      );
      continue;
    }
    const deployedIn = regionOf(run, matching[0]!);
    if (deployedIn !== region)
      violations.push(violation('staging-buckets', matching[0]!, `staging bucket for ${region} is deployed in ${deployedIn}`));
  }
  for (const bucket of staging) {
    if (!config.regions.some((r) => r.name !== config.homeRegion && bucket.id.startsWith(`${names.workArea(r.name)}-`))) {
      violations.push(violation('staging-buckets', bucket, 'staging bucket for a region that is not a non-home region of the config'));
    }
  }
  return violations;
}

/** Walks every input of every resource for policy documents (JSON strings or objects) and yields their statements. */
function* policyStatements(value: unknown, path: string): Generator<{ path: string; statement: Statement }> {
  const policy = parsePolicy(value);
  if (policy) {
    for (const [index, statement] of list(policy.Statement).entries())
      yield { path: `${path}.Statement[${index}]`, statement: statement as Statement };
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* policyStatements(item, `${path}[${index}]`);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* policyStatements(item, path ? `${path}.${key}` : key);
  }
}

/** No policy anywhere allows every action on every resource. */
export function checkNoWildcardAllow(run: Run): Violation[] {
  return run.resources.flatMap((resource) =>
    [...policyStatements(resource.inputs, '')]
      .filter(({ statement }) => (statement.Effect ?? 'Allow') === 'Allow')
      .filter(({ statement }) => {
        const everyAction = list(statement.Action).some((a) => a === '*' || a === '*:*') || statement.NotAction !== undefined;
        const everyResource = list(statement.Resource).includes('*') || statement.NotResource !== undefined;
        return everyAction && everyResource;
      })
      .map(({ path }) =>
        violation(
          'wildcard-iam',
          resource,
          `${path} allows every action on every resource (Action * or NotAction, with Resource * or NotResource)`,
        ),
      ),
  );
}

/**
 * Runs every check.
 *
 * @example
 * expect(runChecks(run, { config, versioned: ['LandingBucket', 'ResultsBucket'] })).toEqual([]);
 */
export function runChecks(run: Run, expected: { config: LandfallConfig; versioned: readonly string[] }): Violation[] {
  return [
    ...checkBucketEncryption(run),
    ...checkPublicAccessBlock(run),
    ...checkTlsOnly(run),
    ...checkVersioning(run, expected.versioned),
    ...checkStagingBuckets(run, expected.config),
    ...checkNoWildcardAllow(run),
    ...checkTableEncryption(run),
    ...checkEventRules(run, expected.config),
    ...checkNoPublicIps(run),
  ];
}
