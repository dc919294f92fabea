import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import landfall from '../../landfall.config.ts';
import threeRegions from './fixtures/threeRegions.config.ts';
import { expectedViolations } from './fixtures/mutations.ts';
import { batchSuite, platformSuite } from './platformSuite.ts';
import { STEP_RETRY_RULES } from '../../functions/workflow/submitStepJob.ts';
import { checkEventRules, checkTableEncryption } from './platformChecks.ts';
import { ensureSstPlatform } from '../../scripts/sst-offline-install.ts';
import { catalogCreateTableInput } from '../../functions/catalog/tableDesign.ts';
import { repositoryRoot, runSstProgram, type RecordedResource, type SstProgramRun } from '../support/pulumiHarness.ts';
import {
  attached,
  buckets,
  checkBucketEncryption,
  checkNoWildcardAllow,
  checkPublicAccessBlock,
  checkStagingBuckets,
  checkTlsOnly,
  checkVersioning,
  runChecks,
} from './checks.ts';
import { regionOf, types } from './resources.ts';
import {
  ABORT_INCOMPLETE_UPLOAD_DAYS,
  LANDING_ARCHIVE_AFTER_DAYS,
  LANDING_ARCHIVE_STORAGE_CLASS,
  NONCURRENT_VERSION_EXPIRY_DAYS,
  STAGING_EXPIRY_DAYS,
} from '../../stacks/retention.ts';

const versioned = ['LandingBucket', 'ResultsBucket'];
const fixture = (name: string) => join('test', 'stacks', 'fixtures', name);

// Each run is a fresh child process (Pulumi's mocks are process-wide); they start together in beforeAll.
let base: SstProgramRun;
let mutated: SstProgramRun;
let production: SstProgramRun;
let longName: Promise<SstProgramRun>;

beforeAll(async () => {
  await ensureSstPlatform();
  longName = runSstProgram({ stage: 'integration', config: fixture('longName.config.ts') });
  const runs = [
    runSstProgram({ stage: 'test' }),
    runSstProgram({ stage: 'test', transforms: fixture('mutations.ts') }),
    runSstProgram({ stage: 'production', config: fixture('threeRegions.config.ts') }),
  ];
  // Let every child finish (and clean up its temp files) before reporting the first failure.
  await Promise.allSettled([...runs, longName]);
  const [baseRun, mutatedRun, productionRun] = await Promise.all(runs);
  [base, mutated, production] = [baseRun!, mutatedRun!, productionRun!];
}, 240_000);

const named = (run: SstProgramRun, name: string): RecordedResource => {
  const found = run.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; declared: ${run.resources.map((r) => r.name).join(', ')}`);
  return found;
};

describe('sst.config.ts', () => {
  describe('app()', () => {
    it.each([
      { case: 'a temporary stage keeps data only', run: () => base, removal: 'retain', protect: false },
      { case: 'production keeps everything and is protected', run: () => production, removal: 'retain-all', protect: true },
    ])('$case', ({ run, removal, protect }) => {
      // Assess
      expect(run().app).toMatchObject({ name: landfall.app, region: landfall.homeRegion, removal, protect });
    });
  });

  describe('run() with landfall.config.ts', () => {
    it('passes every check', () => {
      // Act
      const violations = runChecks(base, { config: landfall, versioned });

      // Assess
      expect(violations).toEqual([]);
    });

    it('declares landing, results, quarantine and one staging bucket per other region', () => {
      // Assess
      expect(
        buckets(base)
          .map((b) => b.name)
          .sort(),
      ).toEqual(['LandingBucket', 'QuarantineBucket', 'ResultsBucket', 'StagingBucketUsEast1']);
      expect(base.outputs).toMatchObject({
        landingBucket: `landfall-landing-test-123456789012`,
        resultsBucket: `landfall-results-test-123456789012`,
        quarantineBucket: `landfall-quarantine-test-123456789012`,
        stagingBucketUsEast1: `landfall-staging-us-east-1-test-123456789012`,
      });
    });

    it('gives every region its own rotating KMS key', () => {
      // Prepare
      const keys = base.resources.filter((r) => r.type === types.kmsKey);

      // Assess
      expect(keys.map((k) => regionOf(base, k)).sort()).toEqual(['eu-west-1', 'us-east-1']);
      for (const key of keys) expect(key.inputs).toMatchObject({ enableKeyRotation: true });
    });

    it('sends landing events to EventBridge', () => {
      // Assess
      expect(attached(base, named(base, 'LandingBucket'), types.notification).map((n) => n.inputs.eventbridge)).toEqual([true]);
    });

    it('archives landed data, expires old versions and leaves quarantine alone', () => {
      // Prepare
      const rules = (bucket: string) =>
        attached(base, named(base, bucket), types.lifecycle).flatMap((l) => l.inputs.rules as Record<string, unknown>[]);

      // Assess
      expect(rules('LandingBucket')).toEqual([
        expect.objectContaining({
          status: 'Enabled',
          transitions: [{ days: LANDING_ARCHIVE_AFTER_DAYS, storageClass: LANDING_ARCHIVE_STORAGE_CLASS }],
          noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRY_DAYS },
          abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
        }),
      ]);
      expect(rules('ResultsBucket')).toEqual([
        expect.objectContaining({ noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRY_DAYS } }),
      ]);
      expect(rules('StagingBucketUsEast1')).toEqual([expect.objectContaining({ expiration: { days: STAGING_EXPIRY_DAYS } })]);
      expect(rules('QuarantineBucket')).toEqual([]);
    });
  });

  describe('run() with three regions on production', () => {
    it('passes every check', () => {
      // Assess
      expect(runChecks(production, { config: threeRegions, versioned })).toEqual([]);
    });

    it('puts each staging bucket, its key and its settings behind that region own provider', () => {
      // Prepare
      const staging = buckets(production).filter((b) => b.name.startsWith('StagingBucket'));

      // Assess
      expect(staging.map((b) => [b.name, regionOf(production, b)])).toEqual([
        ['StagingBucketUsEast1', 'us-east-1'],
        ['StagingBucketApSoutheast2', 'ap-southeast-2'],
      ]);
      for (const bucket of staging) {
        for (const type of [types.encryption, types.publicAccessBlock, types.bucketPolicy, types.lifecycle]) {
          expect(attached(production, bucket, type).map((r) => regionOf(production, r))).toEqual([regionOf(production, bucket)]);
        }
      }
    });

    it('names buckets after the stage', () => {
      // Assess
      expect(named(production, 'LandingBucket').id).toBe('landfall-landing-production-123456789012');
    });
  });

  describe('run() with deliberately broken storage', () => {
    it.each(expectedViolations.map((v) => ({ case: `${v.check} names ${v.resource}`, ...v })))('$case', ({ check, resource }) => {
      // Act
      const violations = runChecks(mutated, { config: landfall, versioned });

      // Assess
      expect(violations).toContainEqual(expect.objectContaining({ check, resource, message: expect.stringContaining(resource) }));
    });

    it('reports nothing beyond the broken resources', () => {
      // Act
      const violations = runChecks(mutated, { config: landfall, versioned });

      // Assess
      expect(violations.map(({ check, resource }) => ({ check, resource }))).toEqual(expect.arrayContaining(expectedViolations));
      expect(violations).toHaveLength(expectedViolations.length);
    });
  });

  describe('run() with a name too long for S3', () => {
    it('fails the run, naming the bucket and the limit', async () => {
      // Assess
      await expect(longName).rejects.toThrow(
        /landfall-long-name-xx-staging-ap-southeast-2-integration-<account id>" would be 69 characters; S3 allows 63/,
      );
    });
  });
});

platformSuite('three regions, two teams', () => production, threeRegions);
batchSuite('three regions, two teams', () => production, threeRegions, {
  stepRetryRules: STEP_RETRY_RULES,
  validation: {
    vcpus: threeRegions.validation.jobVcpus,
    memoryMiB: threeRegions.validation.jobMemoryMiB,
    timeoutSeconds: threeRegions.validation.jobTimeoutSeconds,
  },
});

describe('checks', () => {
  // Small edits of the real run's records, one per rule, for the cases a transformation cannot reach.
  const edited = (edit: (resources: RecordedResource[]) => void): SstProgramRun => {
    const copy = structuredClone(base);
    edit(copy.resources);
    return copy;
  };
  const without = (name: string) => edited((resources) => resources.splice(resources.indexOf(named({ ...base, resources }, name)), 1));

  it.each([
    {
      case: 'missing encryption',
      run: () => without('QuarantineBucketEncryption'),
      check: checkBucketEncryption,
      message: 'QuarantineBucket (aws:s3/bucket:Bucket): no default encryption configuration',
    },
    {
      case: 'missing public access block',
      run: () => without('LandingBucketPublicAccessBlock'),
      check: checkPublicAccessBlock,
      message: 'LandingBucket (aws:s3/bucket:Bucket): no public access block',
    },
    {
      case: 'missing bucket policy',
      run: () => without('ResultsBucketPolicy'),
      check: checkTlsOnly,
      message: 'ResultsBucket (aws:s3/bucket:Bucket): no bucket policy, so plain-HTTP requests are allowed',
    },
    {
      case: 'missing versioning',
      run: () => without('LandingBucketVersioning'),
      check: (r: SstProgramRun) => checkVersioning(r, versioned),
      message: 'LandingBucket (aws:s3/bucket:Bucket): versioning is not configured, expected Enabled',
    },
    {
      case: 'missing staging bucket',
      run: () => without('StagingBucketUsEast1'),
      check: (r: SstProgramRun) => checkStagingBuckets(r, landfall),
      message: 'staging bucket for us-east-1: expected 1 bucket named landfall-staging-us-east-1-…, found 0',
    },
    {
      case: 'wildcard in a role policy object',
      run: () =>
        edited((resources) =>
          resources.push({
            ...structuredClone(resources[1]!),
            type: 'aws:iam/rolePolicy:RolePolicy',
            name: 'WideRolePolicy',
            inputs: { policy: { Statement: [{ Action: ['*'], Resource: '*' }] } },
          }),
        ),
      check: checkNoWildcardAllow,
      message:
        'WideRolePolicy (aws:iam/rolePolicy:RolePolicy): policy.Statement[0] allows every action on every resource (Action * or NotAction, with Resource * or NotResource)',
    },
    {
      case: 'a rule missing',
      run: () => without('RuleIndexRun'),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message: 'landfall-test-index-run: deployed 0 times, expected once',
    },
    {
      case: 'a rule deployed twice',
      run: () => edited((resources) => resources.push({ ...structuredClone(named(base, 'RuleIndexRun')), name: 'RuleIndexRunAgain' })),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message: 'landfall-test-index-run: deployed 2 times, expected once',
    },
    {
      case: 'a rule without target',
      run: () => without('RuleValidateLandedSampleTarget'),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message: 'landfall-test-validate-landed-sample: has no target',
    },
    {
      case: 'a rule EventBridge may not invoke through',
      run: () => without('RuleLandS3ObjectCreatedInvoke'),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message: 'landfall-test-land-s3-object-created: EventBridge is not allowed to invoke LandFunction for this rule',
    },
    {
      case: 'a rule pattern that differs from events/',
      run: () =>
        edited(
          (resources) =>
            (named({ ...base, resources }, 'RuleReprocessRequested').inputs.eventPattern = JSON.stringify({ source: ['landfall'] })),
        ),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message:
        'landfall-test-reprocess-requested: pattern {"source":["landfall"]} differs from {"source":["landfall"],"detail-type":["Reprocess Requested"]}',
    },
    {
      case: 'an extra rule',
      run: () =>
        edited((resources) =>
          resources.push({
            ...structuredClone(named(base, 'RuleIndexRun')),
            name: 'StrayRule',
            inputs: { name: 'landfall-test-stray', eventBusName: 'landfall-test' },
          }),
        ),
      check: (r: SstProgramRun) => checkEventRules(r, landfall),
      message: 'StrayRule: rule landfall-test-stray (eu-west-1) is neither a rule of events/ nor a forwarder',
    },
    {
      case: 'an unencrypted table',
      run: () =>
        edited((resources) => (named({ ...base, resources }, 'IdempotencyTable').inputs.serverSideEncryption = { enabled: false })),
      check: checkTableEncryption,
      message: 'IdempotencyTable (aws:dynamodb/table:Table): serverSideEncryption is not enabled',
    },
  ])('reports $case', ({ run, check, message }) => {
    // Act
    const violations = check(run());

    // Assess
    expect(violations.map((v) => v.message)).toEqual([message]);
  });
});

describe('file shares', () => {
  it('gives every team one share on the configured gateway, mapped to its incoming/ prefix, with upload notifications after the settling time', () => {
    for (const team of ['genomics', 'microbio']) {
      const share = named(production, `Team${team === 'genomics' ? 'Genomics' : 'Microbio'}FileShare`);
      expect(share.type).toBe('aws:storagegateway/smbFileShare:SmbFileShare');
      expect(share.inputs).toMatchObject({
        gatewayArn: 'arn:aws:storagegateway:eu-west-1:123456789012:gateway/sgw-12A3456B',
        authentication: 'ActiveDirectory',
        kmsEncrypted: true,
        notificationPolicy: JSON.stringify({ Upload: { SettlingTimeInSeconds: 90 } }),
      });
      expect(String(share.inputs.locationArn)).toMatch(new RegExp(`/incoming/${team}/$`));
    }
  });

  it("lets the gateway reach only the landing bucket's incoming/ prefix and its key, and only the gateway assume that role", () => {
    const role = named(production, 'FileGatewayRole');
    expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'storagegateway.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const statements = JSON.parse(String(named(production, 'FileGatewayRolePolicy').inputs.policy)).Statement as Array<{
      Sid: string;
      Resource: string;
      Action: string | string[];
    }>;
    expect(statements.find((statement) => statement.Sid === 'ReadWriteIncoming')!.Resource).toMatch(/\/incoming\/\*$/);
    for (const statement of statements) expect(String(statement.Resource)).not.toBe('*');
  });

  it('creates no share without a gateway in the config', () => {
    expect(base.resources.filter((resource) => resource.type.startsWith('aws:storagegateway/'))).toEqual([]);
  });
});

describe('catalog tables', () => {
  it('declares the catalog from the same design the embedded runtime creates, with point-in-time recovery', () => {
    const design = catalogCreateTableInput('landfall-catalog');
    const table = named(base, 'CatalogTable');
    expect(table.type).toBe('aws:dynamodb/table:Table');
    expect(table.inputs).toMatchObject({
      name: 'landfall-catalog-test',
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: false,
    });
    expect(table.inputs.attributes).toEqual(design.AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })));
    expect(table.inputs.globalSecondaryIndexes).toEqual([{ name: 'gsi1', hashKey: 'gsi1pk', rangeKey: 'gsi1sk', projectionType: 'ALL' }]);
  });

  it('declares the idempotency table with TTL on the expiry Powertools writes', () => {
    expect(named(base, 'IdempotencyTable').inputs).toMatchObject({
      hashKey: 'id',
      ttl: { attributeName: 'expiration', enabled: true },
      attributes: [{ name: 'id', type: 'S' }],
    });
  });

  it('protects both tables from deletion on a permanent stage', () => {
    for (const name of ['CatalogTable', 'IdempotencyTable'])
      expect(named(production, name).inputs.deletionProtectionEnabled, name).toBe(true);
  });
});

describe('tsconfig.stacks.json', () => {
  it('type-checks sst.config.ts and stacks/ against the SST platform', async () => {
    // Act
    const result = await promisify(execFile)(
      process.execPath,
      [join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.stacks.json'],
      {
        cwd: repositoryRoot,
      },
    ).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: `${error.stdout}${error.stderr}` }),
    );

    // Assess
    expect(result).toEqual({ code: 0, output: '' });
  }, 90_000);
});
