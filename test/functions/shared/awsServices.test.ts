/** In AWS, handlers address the deployed buckets (stage and account in their names) the stack passes in. */
import { afterEach, describe, expect, it } from 'vitest';
import { bucketNames, withDeployedBuckets, withDeployedFileShares } from '../../../config/defineConfig.ts';
import { ConfigError } from '../../../config/errors.ts';
import { awsServices } from '../../../functions/shared/awsServices.ts';
import landfall from '../../../landfall.config.ts';

const deployed = {
  landing: 'landfall-landing-prod-123456789012',
  results: 'landfall-results-prod-123456789012',
  quarantine: 'landfall-quarantine-prod-123456789012',
  'staging:us-east-1': 'landfall-staging-us-east-1-prod-123456789012',
};

describe('deployed bucket names', () => {
  const saved = { ...process.env };
  afterEach(() => void (process.env = { ...saved }));

  it('makes every handler use the names the stack deployed', async () => {
    // Prepare: the environment the stack gives every function
    Object.assign(process.env, {
      LANDFALL_BUS_NAME: 'landfall-prod',
      LANDFALL_STATE_MACHINES: '{}',
      LANDFALL_CATALOG_TABLE: 'landfall-catalog-prod',
      AWS_REGION: 'eu-west-1',
      LANDFALL_BUCKETS: JSON.stringify(deployed),
    });
    // Act
    const names = bucketNames((await awsServices()).config);
    // Assess
    expect([names.landing, names.results, names.quarantine, names.workArea(landfall.homeRegion), names.workArea('us-east-1')]).toEqual([
      deployed.landing,
      deployed.results,
      deployed.quarantine,
      deployed.results,
      deployed['staging:us-east-1'],
    ]);
  });

  it('keeps the base names on the embedded runtime (no LANDFALL_BUCKETS)', () => {
    expect(bucketNames(withDeployedBuckets(landfall, undefined)).landing).toBe(`${landfall.app}-landing`);
  });

  it.each([
    { case: 'not JSON', json: '{landing', message: /LANDFALL_BUCKETS is not JSON/ },
    { case: 'not a map of names', json: '{"landing": 3}', message: /LANDFALL_BUCKETS is not a map of bucket names/ },
  ])('refuses LANDFALL_BUCKETS that is $case', ({ json, message }) => {
    expect(() => withDeployedBuckets(landfall, json)).toThrow(ConfigError);
    expect(() => withDeployedBuckets(landfall, json)).toThrow(message);
  });

  it("maps the stack's file shares to teams that name none, so the upload barrier finds the team", () => {
    const arn = 'arn:aws:storagegateway:eu-west-1:123456789012:share/share-ABCDEF12';
    const team = landfall.teams[0]!.id;
    const config = withDeployedFileShares(landfall, JSON.stringify({ [team]: arn }));
    expect(config.teams.find((candidate) => candidate.id === team)!.fileShareArn).toBe(arn);
    expect(() => withDeployedFileShares(landfall, JSON.stringify({ [team]: 'not-an-arn' }))).toThrow(
      /LANDFALL_FILE_SHARES is not a map of team → file share ARN/,
    );
  });
});
