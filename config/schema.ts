import { z } from 'zod';

/** Team ids become access-point and role names in AWS, hence the narrow alphabet. */
export const TeamId = z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'team id must match ^[a-z][a-z0-9-]{1,30}$');

export const RegionConfig = z
  .object({
    /** AWS region name, e.g. `eu-west-1`. The embedded runtime uses the same names for its local "regions". */
    name: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like eu-west-1'),
    /** vCPU quota for Batch in this region. */
    vcpuQuota: z.number().int().positive(),
    /** Memory available to jobs in this region, MiB. @default vcpuQuota * 4096 */
    memoryMiB: z.number().int().positive().optional(),
    /** Lower is preferred when placement is otherwise equal. @default 0 */
    preference: z.number().int().default(0),
    /** USD per GB moved into this region's staging bucket. @default 0.02 */
    transferCostPerGb: z.number().nonnegative().default(0.02),
  })
  .strict();

export const TeamConfig = z
  .object({
    id: TeamId,
    /** Display name for dashboards and reports. */
    name: z.string().min(1).optional(),
    /** Instrument profile that decides when a run folder is complete. */
    profile: z.enum(['illumina']).default('illumina'),
    /** Pipeline run for every good sample of this team. */
    pipeline: z.string().min(1),
  })
  .strict();

export const EmbeddedConfig = z
  .object({
    /** vCPUs each local "region" may use at once (the analogue of the Batch quota on one machine). @default 2 */
    vcpusPerRegion: z.number().int().positive().default(2),
    /** Memory each local region may use at once, MiB. @default 4096 */
    memoryMiBPerRegion: z.number().int().positive().default(4096),
    /** A share file is complete when its size and mtime have not changed for this long. @default 1000 */
    settleMs: z.number().int().nonnegative().default(1000),
    /** How often the share is polled in addition to file-system notifications. @default 250 */
    pollMs: z.number().int().positive().default(250),
  })
  .strict();

export const LandfallConfig = z
  .object({
    /** Short application name; prefixes every physical resource name. */
    app: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/),
    homeRegion: z.string(),
    regions: z.array(RegionConfig).min(1),
    teams: z.array(TeamConfig).min(1),
    embedded: EmbeddedConfig.default(EmbeddedConfig.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const regionNames = config.regions.map((r) => r.name);
    if (!regionNames.includes(config.homeRegion)) {
      ctx.addIssue({ code: 'custom', path: ['homeRegion'], message: `homeRegion ${config.homeRegion} is not one of regions [${regionNames.join(', ')}]` });
    }
    for (const [list, label] of [[regionNames, 'region'], [config.teams.map((t) => t.id), 'team']] as const) {
      const seen = new Set<string>();
      for (const name of list) {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [`${label}s`], message: `duplicate ${label} ${name}` });
        seen.add(name);
      }
    }
  });

export type LandfallConfigInput = z.input<typeof LandfallConfig>;
export type LandfallConfig = z.output<typeof LandfallConfig>;
export type RegionConfig = z.output<typeof RegionConfig>;
export type TeamConfig = z.output<typeof TeamConfig>;
