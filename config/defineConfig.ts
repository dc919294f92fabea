import { z } from 'zod';
import { LandfallConfig, type LandfallConfigInput } from './schema.ts';
import { ConfigError } from './errors.ts';

/**
 * Validates a Landfall configuration and returns it with defaults applied.
 * `landfall.config.ts` default-exports the result; `sst.config.ts`, the embedded runtime and the CLI import it.
 *
 * @example
 * export default defineConfig({ app: 'landfall', homeRegion: 'eu-west-1',
 *   regions: [{ name: 'eu-west-1', vcpuQuota: 64 }], teams: [{ id: 'genomics', pipeline: 'demo' }] });
 */
export function defineConfig(input: LandfallConfigInput): LandfallConfig {
  const parsed = LandfallConfig.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`invalid Landfall config:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Physical bucket names: the deployed ones in AWS (`deployedBuckets`), else derived from `app` (local folders use these). */
export function bucketNames(config: Pick<LandfallConfig, 'app' | 'homeRegion'> & { deployedBuckets?: Record<string, string> }) {
  const deployed = config.deployedBuckets ?? {};
  const results = deployed.results ?? `${config.app}-results`;
  return {
    landing: deployed.landing ?? `${config.app}-landing`,
    results,
    quarantine: deployed.quarantine ?? `${config.app}-quarantine`,
    /** Work areas of jobs: the results bucket at home, a staging bucket elsewhere. */
    workArea: (region: string) =>
      region === config.homeRegion ? results : (deployed[`staging:${region}`] ?? `${config.app}-staging-${region}`),
  } as const;
}

/**
 * The region of every bucket Landfall addresses: landing, results and quarantine live at home, each
 * region's work area in that region. S3 answers a request signed for another region with a 301, so a
 * client must be chosen per bucket (seams/storage/regionalS3Clients.ts).
 *
 * @example bucketRegions(config)['landfall-staging-us-east-1']; // 'us-east-1'
 */
export function bucketRegions(
  config: Pick<LandfallConfig, 'app' | 'homeRegion' | 'regions'> & { deployedBuckets?: Record<string, string> },
): Record<string, string> {
  const names = bucketNames(config);
  const regions: Record<string, string> = {
    [names.landing]: config.homeRegion,
    [names.results]: config.homeRegion,
    [names.quarantine]: config.homeRegion,
  };
  for (const { name } of config.regions) regions[names.workArea(name)] = name;
  return regions;
}

/**
 * Teams' file share ARNs from the stack's LANDFALL_FILE_SHARES (JSON `{ team: arn }`), for teams whose
 * config names none: the shares the stack created on the configured gateway.
 *
 * @throws ConfigError when LANDFALL_FILE_SHARES is not a JSON object of share ARNs
 */
export function withDeployedFileShares(config: LandfallConfig, json: string | undefined): LandfallConfig {
  if (json === undefined) return config;
  let shares: unknown;
  try {
    shares = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(
      `LANDFALL_FILE_SHARES is not JSON (${(error as Error).message}); the stack sets it to {"<team>": "arn:aws:storagegateway:…"}`,
    );
  }
  const parsed = z.record(z.string(), z.string().regex(/^arn:aws:storagegateway:/)).safeParse(shares);
  if (!parsed.success)
    throw new ConfigError(`LANDFALL_FILE_SHARES is not a map of team → file share ARN: ${z.prettifyError(parsed.error)}`);
  return {
    ...config,
    teams: config.teams.map((team) =>
      team.fileShareArn || !parsed.data[team.id] ? team : { ...team, fileShareArn: parsed.data[team.id] },
    ),
  };
}

/**
 * The config as a function in AWS sees it: the deployed bucket names from the stack's LANDFALL_BUCKETS
 * (JSON), so every handler addresses the real buckets and the events it emits name them.
 *
 * @throws ConfigError when LANDFALL_BUCKETS is not a JSON object of names
 */
export function withDeployedBuckets(config: LandfallConfig, json: string | undefined): LandfallConfig {
  if (json === undefined) return config;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(
      `LANDFALL_BUCKETS is not JSON (${(error as Error).message}); the stack sets it to {"landing": "...", "results": "...", ...}`,
    );
  }
  const result = LandfallConfig.safeParse({ ...config, deployedBuckets: parsed });
  if (!result.success) throw new ConfigError(`LANDFALL_BUCKETS is not a map of bucket names: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Table names derived from the config. */
export function tableNames(config: LandfallConfig) {
  return { catalog: `${config.app}-catalog`, idempotency: `${config.app}-idempotency` } as const;
}
