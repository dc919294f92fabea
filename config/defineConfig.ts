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

/** Physical bucket names derived from the config; local folders use the same names. */
export function bucketNames(config: LandfallConfig) {
  return {
    landing: `${config.app}-landing`,
    results: `${config.app}-results`,
    quarantine: `${config.app}-quarantine`,
    /** Work areas of jobs: the results bucket at home, a staging bucket elsewhere. */
    workArea: (region: string) => (region === config.homeRegion ? `${config.app}-results` : `${config.app}-staging-${region}`),
  } as const;
}

/** Table names derived from the config. */
export function tableNames(config: LandfallConfig) {
  return { catalog: `${config.app}-catalog`, idempotency: `${config.app}-idempotency` } as const;
}
