import { z } from 'zod';
import { TeamId } from '../contracts/names.ts';
import { PipelineDefinition } from './pipeline.ts';

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
    /**
     * Compute prices here, per vCPU-hour and GB-hour, on-demand and spot, for the cost figures cataloged per
     * job. @default Fargate-like rates (functions/workflow/jobCost.ts DEFAULT_PRICES)
     */
    prices: z
      .object({
        onDemand: z.object({ vcpuHour: z.number().nonnegative(), gbHour: z.number().nonnegative() }).strict(),
        spot: z.object({ vcpuHour: z.number().nonnegative(), gbHour: z.number().nonnegative() }).strict(),
      })
      .strict()
      .optional(),
    /** Seconds per GB to stage inputs into this region when they are not there yet (placement weighs it against queueing). @default 10 */
    transferSecondsPerGb: z.number().nonnegative().default(10),
  })
  .strict();

/**
 * Samples whose step jobs run at urgent priority (ahead of the backlog, on the urgent queue): every sample of
 * the team, narrowed by run folder prefix and/or sample IDs. Read when each step is submitted, so a rule
 * added while a run is in flight applies to the steps it has not submitted yet.
 */
export const UrgentRule = z
  .object({
    team: TeamId,
    /** Run folders whose name starts with this. @default every run */
    runPrefix: z.string().min(1).optional(),
    /** These Sample_IDs only. @default every sample */
    sampleIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** When a region stops getting new work and its in-flight work is re-placed (functions/placement/regionHealth.ts). */
export const PlacementConfig = z
  .object({
    /** Infrastructure failures (host terminated) within the window that make a region unhealthy. @default 2 */
    unhealthyAfterFailures: z.number().int().positive().default(2),
    /** How far back failures count; a region without any for this long gets work again. @default 600 */
    healthWindowSeconds: z.number().positive().default(600),
    /**
     * A region whose submitted jobs wait this long with room free is not draining: it gets no new work and
     * the sweep moves its waiting jobs elsewhere. Longer than a cold start of Batch capacity. @default 900
     */
    queueStallSeconds: z.number().positive().default(900),
    /** Which samples are urgent (functions/workflow/priority.ts). @default none */
    urgent: z.array(UrgentRule).default([]),
    /**
     * Jobs a region may hold waiting (reserved, not yet running) before placement sends no more there; when
     * every region holds this many, a submission waits and is retried (Step Functions), nothing is lost.
     * Bounds the region's load item far below DynamoDB's 400 KB item limit (~190 bytes a job). Urgent work
     * may go a fifth beyond it. @default 1000
     */
    maxQueuedJobsPerRegion: z.number().int().positive().max(1500).default(1000),
  })
  .strict();

/**
 * How Landfall decides a run folder is complete (DOMAIN.md "How instrument data arrives"), and how its
 * files make samples (layouts/):
 * - `illumina`: CopyComplete.txt plus every FASTQ the SampleSheet implies; RTAComplete plus a settle
 *   window only for models that never write CopyComplete (MiSeq, NextSeq 500/550, MiniSeq, iSeq 100);
 * - `manifest`: an md5sum-format or JSON manifest lists every expected file (it may arrive first);
 * - `marker`: `<sample>.complete` per sample, or `transfer_complete.txt` for the whole run;
 * - `ont`: a MinKNOW run folder, one single-end sample per `fastq_pass/<barcode>/`, complete on
 *   `final_summary_*.txt` (written once every file is);
 * - `pacbio`: PacBio HiFi FASTQs, one single-end sample per barcode or sample name, complete on
 *   `transfer_complete.txt` or a movie's `.transferdone`.
 */
export const CompletenessProfile = z.enum(['illumina', 'manifest', 'marker', 'ont', 'pacbio']);

/** Illumina instrument models; those that never write CopyComplete.txt complete on RTAComplete plus a settle window. */
export const InstrumentModel = z.enum([
  'NovaSeqX',
  'NovaSeq6000',
  'NextSeq1000',
  'NextSeq2000',
  'NextSeq500',
  'NextSeq550',
  'MiSeq',
  'MiniSeq',
  'iSeq100',
]);
export const RTA_ONLY_MODELS: ReadonlyArray<z.infer<typeof InstrumentModel>> = ['NextSeq500', 'NextSeq550', 'MiSeq', 'MiniSeq', 'iSeq100'];

export const RunProfileRule = z
  .object({
    /** Run folders whose name starts with this use the profile below instead of the team's. */
    runPrefix: z.string().min(1),
    profile: CompletenessProfile,
    instrumentModel: InstrumentModel.optional(),
  })
  .strict();

/** The embedded runtime may only call a webhook on this machine's loopback interface. */
const LOOPBACK_WEBHOOK = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?(\/|$)/;

/**
 * Where a team's events are delivered (events/teamSubscriptions.ts turns this into ONE rule per team).
 * Embedded runtime: `outbox` and `webhookUrl`; AWS: `snsTopic` and `sqsQueue`.
 */
export const TeamSubscriptions = z
  .object({
    /** Append the team's events to `<state-dir>/outbox/<team>.jsonl`. @default true */
    outbox: z.boolean().optional(),
    /** POST each event to this URL; only `http://127.0.0.1[:port]/…` or `http://[::1][:port]/…`. */
    webhookUrl: z
      .string()
      .regex(
        LOOPBACK_WEBHOOK,
        'webhookUrl must be http://127.0.0.1:<port>/… or http://[::1]:<port>/… (the embedded runtime only calls this machine)',
      )
      .optional(),
    /** In AWS, an SNS topic `<app>-team-<team>-events` receives the team's events. @default false */
    snsTopic: z.boolean().optional(),
    /** In AWS, an SQS queue `<app>-team-<team>-events` receives the team's events (the outbox's counterpart). @default true */
    sqsQueue: z.boolean().optional(),
  })
  .strict();

/** The embedded runtime may only send mail to an SMTP server on this machine's loopback interface. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|::1)$/;

/** An address as SMTP and SNS take it: one `@`, no spaces, no display name. */
const EmailAddress = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an email address such as lab@example.org');

/**
 * Who hears about a team's runs, and where (functions/notify/): one message per run when it is DONE, and
 * the failures and rejections as they happen, batched per run over `notifications.batchSeconds`.
 * AWS: email through an SNS topic per team (each address gets a subscription to confirm), chat through the
 * incoming webhook whose URL is kept in Secrets Manager under `chat.webhookSecret` (never in this file).
 * Embedded runtime: email over SMTP to `notifications.smtp`, chat to `chat.webhookUrl`, both on loopback.
 */
export const TeamNotify = z
  .object({
    email: z
      .object({ to: z.array(EmailAddress).min(1) })
      .strict()
      .optional(),
    /** A Slack- or Teams-compatible incoming webhook: Landfall POSTs `{ "text": … }`. */
    chat: z
      .object({
        /** AWS: name of the Secrets Manager secret whose string value is the webhook URL. */
        webhookSecret: z
          .string()
          .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'webhookSecret is a Secrets Manager secret name (letters, digits, /_+=.@-)')
          .optional(),
        /** Embedded runtime: only `http://127.0.0.1[:port]/…` or `http://[::1][:port]/…`. */
        webhookUrl: z
          .string()
          .regex(
            LOOPBACK_WEBHOOK,
            'chat.webhookUrl must be http://127.0.0.1:<port>/… or http://[::1]:<port>/… (the embedded runtime only calls this machine)',
          )
          .optional(),
      })
      .strict()
      .refine((chat) => chat.webhookSecret !== undefined || chat.webhookUrl !== undefined, {
        message: 'chat needs webhookSecret (AWS: the Secrets Manager secret holding the webhook URL) or webhookUrl (embedded runtime)',
      })
      .optional(),
  })
  .strict();

/** How notifications to people are sent and batched (functions/notify/). */
export const NotificationsConfig = z
  .object({
    /**
     * Failures and rejections of a run are gathered for this long after the first one and then sent as ONE
     * message (a 96-sample run never sends 96); a run that ends sooner sends them at its end. @default 300
     */
    batchSeconds: z.number().int().positive().default(300),
    /** Embedded runtime: the SMTP server mail goes through, on loopback only (AWS sends through SNS). */
    smtp: z
      .object({
        host: z
          .string()
          .regex(LOOPBACK_HOST, 'smtp.host must be 127.0.0.1 or ::1 (the embedded runtime only sends mail on this machine)')
          .default('127.0.0.1'),
        port: z.number().int().min(1).max(65535).default(25),
        from: EmailAddress.default('landfall@localhost'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 25, from: 'landfall@localhost' }),
  })
  .strict();

export const TeamConfig = z
  .object({
    id: TeamId,
    /** Display name for dashboards and reports. */
    name: z.string().min(1).optional(),
    /** Completeness profile of this team's run folders. @default 'illumina' */
    profile: CompletenessProfile.default('illumina'),
    /** Illumina model writing this team's runs. @default a model that writes CopyComplete.txt */
    instrumentModel: InstrumentModel.optional(),
    /** The team's S3 File Gateway file share, so a working-set barrier (NotifyWhenUploaded) maps to the team. */
    fileShareArn: z
      .string()
      .regex(/^arn:aws:storagegateway:/)
      .optional(),
    /** Per run folder exceptions to `profile`, first match wins. */
    runProfiles: z.array(RunProfileRule).default([]),
    /** Pipeline run for every good sample of this team. */
    pipeline: z.string().min(1),
    /** Delivery of the team's events. @default outbox (embedded) and SQS queue (AWS) */
    subscriptions: TeamSubscriptions.optional(),
    /** People told about the team's runs by email and chat. @default nobody */
    notify: TeamNotify.optional(),
  })
  .strict();

/**
 * The S3 File Gateway the instruments write to (AWS only). Activating the gateway appliance is a manual
 * step (README "Deploy to AWS"); the stack then creates one file share per team on it, mapped to
 * `incoming/<team>/` of the landing bucket, with upload notifications after the settling time.
 */
export const FileGatewayConfig = z
  .object({
    gatewayArn: z
      .string()
      .regex(
        /^arn:aws:storagegateway:[a-z0-9-]+:\d{12}:gateway\/sgw-[0-9A-Fa-f]+$/,
        'gatewayArn must look like arn:aws:storagegateway:<region>:<account>:gateway/sgw-XXXXXXXX',
      ),
    /** SMB for Windows instrument PCs, NFS for Linux ones. @default 'smb' */
    protocol: z.enum(['smb', 'nfs']).default('smb'),
    /** SMB: how users sign in. @default 'ActiveDirectory' */
    smbAuthentication: z.enum(['ActiveDirectory', 'GuestAccess']).default('ActiveDirectory'),
    /** NFS: the clients allowed to mount (CIDRs). @default ['10.0.0.0/8'] */
    nfsClients: z
      .array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'nfsClients are IPv4 CIDRs such as 10.1.0.0/16'))
      .min(1)
      .default(['10.0.0.0/8']),
    /**
     * Seconds a file must be unchanged before the gateway announces its upload (NotificationPolicy
     * SettlingTimeInSeconds): long enough for an instrument's pauses mid-file. @default 60
     */
    settlingTimeSeconds: z.number().int().min(1).max(2_592_000).default(60),
  })
  .strict();

export const ValidationConfig = z
  .object({
    /**
     * A sample whose files add up to more than this many bytes is validated by a Batch job instead of
     * inside the function: a Lambda stops at 15 minutes and the validator streams about 130 MB/s, so
     * the default leaves a wide margin. The same code runs in both places. @default 40 GiB
     */
    inlineMaxBytes: z
      .number()
      .int()
      .nonnegative()
      .default(40 * 1024 ** 3),
    /**
     * Accept '.' in FASTQ sequences as a no-call, counted as N (old Illumina pipelines and some SRA dumps
     * wrote '.'). Off, a '.' rejects the file with a hint naming this setting. @default false
     */
    legacyNoCalls: z.boolean().default(false),
    /** vCPUs and memory of a validation job (one pass per file: gunzip and hashing on two threads). */
    jobVcpus: z.number().int().positive().default(2),
    jobMemoryMiB: z.number().int().positive().default(1024),
    /** @default 6 hours */
    jobTimeoutSeconds: z
      .number()
      .int()
      .positive()
      .default(6 * 3600),
  })
  .strict();

export const CompletenessConfig = z
  .object({
    /**
     * Illumina models without CopyComplete: RTAComplete must be this old before the run counts as complete. Also how long
     * a copy of an onboard analysis alone (`Analysis/<n>/`, done by its own two files) must be quiet. @default 600
     */
    rtaSettleSeconds: z.number().int().nonnegative().default(600),
    /**
     * MinKNOW runs: how long a final summary waits for its output hash file (written with it; every FASTQ is checked
     * against its SHA-256) before the samples it completes go on without one, as from MinKNOW versions that write
     * none. The hash file's landing ends the wait; the sweep ends it after this long. @default 120
     */
    ontHashWaitSeconds: z.number().int().nonnegative().default(120),
    /** A run with a manifest or marker that is still missing files after this long becomes INCOMPLETE. @default 1440 (a day) */
    deadlineMinutes: z.number().positive().default(1440),
    /**
     * A cataloged sample whose files change (a re-export, a fixed file) is re-validated only once none
     * of its files changed for this long, so a re-upload of several files makes one new version. @default 60
     */
    relandQuietSeconds: z.number().nonnegative().default(60),
    /** How often the reconciliation sweep re-evaluates runs still receiving files. @default 60 */
    sweepSeconds: z.number().positive().default(60),
  })
  .strict();

/** Warm capacity a region keeps during its working hours, in its own time zone (the alarm lowers capacity to this, not to zero). */
export const BusinessHours = z
  .object({
    /** Region name this applies to. */
    region: z.string(),
    /** vCPUs kept warm between `fromHour` and `toHour` (Batch minvCpus; warm worker processes locally). */
    warmVcpus: z.number().int().positive(),
    /** Local hour (0-23) warm capacity starts. */
    fromHour: z.number().int().min(0).max(23),
    /** Local hour (1-24) warm capacity ends, exclusive; below `fromHour` means the window spans midnight. */
    toHour: z.number().int().min(1).max(24),
    /** IANA time zone of the lab using the region, e.g. `Europe/Dublin`. */
    timeZone: z.string().refine(isTimeZone, { message: 'timeZone must be an IANA time zone such as Europe/Dublin' }),
    /** Weekdays it applies to, 0 = Sunday. @default Monday to Friday */
    days: z.array(z.number().int().min(0).max(6)).min(1).default([1, 2, 3, 4, 5]),
  })
  .strict();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * When a region counts as idle (functions/alarms/inactivityAlarms.ts turns this into one CloudWatch alarm
 * per region): no submitted, runnable or running job in `datapointsToAlarm` of the last `evaluationPeriods`
 * periods. Idle compute goes to zero (or to the business-hours warm capacity).
 */
export const IdleConfig = z
  .object({
    /**
     * Seconds per datapoint. The stacks accept whole minutes only (activity is published once a minute there, and
     * a period without a datapoint counts as idle); the embedded runtime any whole number, so tests can use short
     * windows. @default 60
     */
    periodSeconds: z.number().int().positive().default(60),
    /** Periods the alarm looks back over. @default 15 */
    evaluationPeriods: z.number().int().positive().default(15),
    /** Idle periods among them that raise the alarm. @default evaluationPeriods */
    datapointsToAlarm: z.number().int().positive().optional(),
    /** Per-region warm capacity during working hours. @default none (zero when idle, all day) */
    businessHours: z.array(BusinessHours).default([]),
  })
  .strict()
  .superRefine((idle, ctx) => {
    if (idle.datapointsToAlarm !== undefined && idle.datapointsToAlarm > idle.evaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['datapointsToAlarm'],
        message: `datapointsToAlarm (${idle.datapointsToAlarm}) cannot exceed evaluationPeriods (${idle.evaluationPeriods})`,
      });
    }
  });

export const EmbeddedConfig = z
  .object({
    /** vCPUs each local "region" may use at once (the analogue of the Batch quota on one machine). @default 2 */
    vcpusPerRegion: z.number().int().positive().default(2),
    /** Memory each local region may use at once, MiB. @default 4096 */
    memoryMiBPerRegion: z.number().int().positive().default(4096),
    /** A share file is complete when its size and mtime have not changed for this long. @default 1000 */
    settleMs: z.number().int().nonnegative().default(1000),
    /** How often settling files are checked. @default 250 */
    pollMs: z.number().int().positive().default(250),
    /** How often the whole share is rescanned, so a missed file-system notification costs latency, never a file. @default 2000 */
    rescanMs: z.number().int().positive().default(2000),
    /**
     * Requests the runtime's functions have with the local catalog server at once at most (sent to its thread
     * as messages, not sockets); requests beyond wait their turn, as the SDK's connection pool makes them wait
     * in Lambda. @default 50 (the AWS SDK's default pool)
     */
    catalogMaxSockets: z.number().int().positive().default(50),
    /** Bus deliveries (function invocations) running at once; the rest wait in order. @default 16 */
    maxConcurrentDeliveries: z.number().int().positive().default(16),
  })
  .strict();

/** A reference's name, as steps' `reference.default` and sample-sheet columns give it. */
export const ReferenceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'reference names are letters, digits, . _ -');

/**
 * Where a reference lives: an `s3://<bucket>/<prefix>/` prefix (read through the storage seam: S3 in AWS, the
 * folder of that bucket on the embedded runtime), or an absolute folder on this machine (embedded runtime only).
 */
export const ReferenceLocation = z
  .string()
  .refine(
    (location) => /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(location) || location.startsWith('/'),
    'a reference is an s3://<bucket>/<prefix> or an absolute folder',
  );

export const LandfallConfig = z
  .object({
    /** Short application name; prefixes every physical resource name. */
    app: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/),
    homeRegion: z.string(),
    regions: z.array(RegionConfig).min(1),
    teams: z.array(TeamConfig).min(1),
    completeness: CompletenessConfig.default(CompletenessConfig.parse({})),
    validation: ValidationConfig.default(ValidationConfig.parse({})),
    /** The S3 File Gateway teams' shares live on (AWS). @default none: files reach the landing bucket some other way */
    fileGateway: FileGatewayConfig.optional(),
    embedded: EmbeddedConfig.default(EmbeddedConfig.parse({})),
    placement: PlacementConfig.default(PlacementConfig.parse({})),
    idle: IdleConfig.default(IdleConfig.parse({})),
    notifications: NotificationsConfig.default(NotificationsConfig.parse({})),
    /**
     * The lab's own pipelines (config/pipeline.ts `definePipeline`), besides the built-in `demo` and `dna-align`;
     * teams are routed to either by name. @default none
     */
    pipelines: z.array(PipelineDefinition).default([]),
    /** Reference folders steps choose per sample with `reference: { column, default }`: name → location. @default none */
    references: z.record(ReferenceName, ReferenceLocation).default({}),
    /**
     * Set in AWS only, from the stack's LANDFALL_BUCKETS (never in landfall.config.ts): deployed bucket names
     * carry the stage and account id, since S3 names are global. Keys: landing, results, quarantine,
     * `staging:<region>`. The embedded runtime uses the base names as folders.
     */
    deployedBuckets: z.record(z.string(), z.string().min(3)).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const regionNames = config.regions.map((r) => r.name);
    if (!regionNames.includes(config.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['homeRegion'],
        message: `homeRegion ${config.homeRegion} is not one of regions [${regionNames.join(', ')}]`,
      });
    }
    for (const [list, label] of [
      [regionNames, 'region'],
      [config.teams.map((t) => t.id), 'team'],
    ] as const) {
      const seen = new Set<string>();
      for (const name of list) {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [`${label}s`], message: `duplicate ${label} ${name}` });
        seen.add(name);
      }
    }
    const teamIds = config.teams.map((team) => team.id);
    config.placement.urgent.forEach((rule, index) => {
      if (!teamIds.includes(rule.team))
        ctx.addIssue({
          code: 'custom',
          path: ['placement', 'urgent', index, 'team'],
          message: `urgent rule names team ${rule.team}, which is not one of teams [${teamIds.join(', ')}]`,
        });
    });
    const pipelineNames = new Set<string>();
    for (const [index, pipeline] of config.pipelines.entries()) {
      if (pipelineNames.has(pipeline.name))
        ctx.addIssue({ code: 'custom', path: ['pipelines', index, 'name'], message: `pipeline ${pipeline.name} is defined twice` });
      pipelineNames.add(pipeline.name);
      for (const step of pipeline.steps) {
        const fallback = step.reference?.default;
        if (fallback !== undefined && !(fallback in config.references))
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', index],
            message: `pipeline ${pipeline.name}: step ${step.name}: reference default ${fallback} is not one of references [${Object.keys(config.references).join(', ')}]`,
          });
      }
    }
    for (const [index, hours] of config.idle.businessHours.entries()) {
      if (!regionNames.includes(hours.region))
        ctx.addIssue({
          code: 'custom',
          path: ['idle', 'businessHours', index, 'region'],
          message: `businessHours region ${hours.region} is not one of regions [${regionNames.join(', ')}]`,
        });
    }
  });

export type LandfallConfigInput = z.input<typeof LandfallConfig>;
export type LandfallConfig = z.output<typeof LandfallConfig>;
export type RegionConfig = z.output<typeof RegionConfig>;
export type TeamConfig = z.output<typeof TeamConfig>;
export type IdleConfig = z.output<typeof IdleConfig>;
export type BusinessHours = z.output<typeof BusinessHours>;
export type TeamNotify = z.output<typeof TeamNotify>;
