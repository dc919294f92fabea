import { defineConfig } from '../../../config/defineConfig.ts';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import type { VersionFile } from '../../../functions/catalog/types.ts';

/** Two teams, two regions: enough to see scoping, per-region load and costs. */
/** A one-attempt, 1-vCPU job's cost figures at home, for seeding. */
const paid = (seconds: number, usd: number) => ({
  region: 'eu-west-1',
  capacityType: 'on-demand' as const,
  attempts: 1,
  seconds,
  vcpuSeconds: seconds,
  memoryGbSeconds: seconds,
  computeUsd: usd,
  transferBytes: 0,
  transferUsd: 0,
  estimatedUsd: usd,
});

export const dashboardConfig = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [
    { name: 'eu-west-1', vcpuQuota: 8 },
    { name: 'eu-central-1', vcpuQuota: 4 },
  ],
  teams: [
    { id: 'genomics', profile: 'illumina', pipeline: 'demo' },
    { id: 'microbio', profile: 'illumina', pipeline: 'demo' },
  ],
});

export const RUN_G = '261201_LH00417_0201_BGENOMICS';
export const RUN_M = '261201_LH00417_0202_BMICROBIO';
export const BAD_FILE = 'S3_S3_L001_R2_001.fastq.gz';

/**
 * What completeJobTask and publishStepOutputs record for a paid job: its cost item (what `landfall costs`
 * adds up) and, when it succeeded, the step's published outputs with the same figures.
 */
async function paidJob(
  catalog: Catalog,
  ref: { team: string; runId: string; sampleId: string; version: number },
  step: string,
  outputs: Array<{ key: string; size: number; md5: string }>,
  seconds: number,
  usd: number,
  status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED',
): Promise<void> {
  await catalog.costs.record(ref, step, `job-${ref.sampleId}-v${ref.version}-${step}-${status}`, { ...paid(seconds, usd), status });
  if (status === 'SUCCEEDED') await catalog.steps.recordPublished(ref, step, outputs, 1, paid(seconds, usd));
}

function file(name: string, read: 'R1' | 'R2'): VersionFile {
  return { name, bucket: 'landfall-landing', key: `incoming/x/${name}`, size: 100, etag: 'e', md5: 'm', read, lane: 1, reads: 10 };
}

/**
 * Writes what a real run leaves in the catalog, through the Catalog's own methods: genomics has a completed
 * sample (a superseded v1 with a paid step, v2 with two), a sample running trim in eu-central-1, a rejected
 * sample with a reason at a file and line, and one still receiving; microbio has one completed sample.
 */
export async function seedCatalog(catalog: Catalog): Promise<void> {
  for (const [team, runId, names] of [
    [
      'genomics',
      RUN_G,
      ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L001_R2_001.fastq.gz', 'S2_S2_L001_R1_001.fastq.gz', 'S3_S3_L001_R1_001.fastq.gz', BAD_FILE],
    ],
    ['microbio', RUN_M, ['M1_S1_L001_R1_001.fastq.gz']],
  ] as const) {
    for (const name of names)
      await catalog.runs.recordFile(team, runId, {
        name,
        bucket: 'landfall-landing',
        key: `incoming/${team}/${runId}/${name}`,
        size: 100,
        etag: name,
        landedAt: '2026-12-01T10:00:00.000Z',
      });
  }
  // A run record keeps its last waitingFor once complete; microbio's run still waits for its marker.
  await catalog.runs.update('genomics', RUN_G, { status: 'PROCESSING', signal: 'CopyComplete.txt', waitingFor: 'CopyComplete.txt' });
  await catalog.runs.update('microbio', RUN_M, {
    status: 'INCOMPLETE',
    waitingFor: 'CopyComplete.txt',
    unexpectedCount: 1,
    unexpected: [
      {
        name: 'notes.txt',
        reason: 'notes.txt is neither a FASTQ of a sample nor a run file Landfall knows (illumina profile); it is kept, not processed',
      },
    ],
  });

  // S1: v1 superseded after one paid step, v2 completed with qc and trim
  const s1 = { team: 'genomics', runId: RUN_G, sampleId: 'S1' };
  await catalog.samples.claimVersion(s1, 'hash-v1', [file('S1_S1_L001_R1_001.fastq.gz', 'R1')], 'READY');
  await paidJob(catalog, { ...s1, version: 1 }, 'qc', [], 10, 0.000125);
  // …and a trim job of v1 that failed (no step output, still paid): the dashboard counts it as `landfall costs` does
  await paidJob(catalog, { ...s1, version: 1 }, 'trim', [], 4, 0.00005, 'FAILED');
  await catalog.samples.updateVersion({ ...s1, version: 1 }, { status: 'SUPERSEDED' });
  await catalog.samples.claimVersion(
    s1,
    'hash-v2',
    [file('S1_S1_L001_R1_001.fastq.gz', 'R1'), file('S1_S1_L001_R2_001.fastq.gz', 'R2')],
    'READY',
  );
  for (const [step, vcpuSeconds, usd] of [
    ['qc', 20, 0.00025],
    ['trim', 40, 0.0005],
  ] as const) {
    await catalog.steps.put({
      ...s1,
      version: 2,
      step,
      status: 'RUNNING',
      jobName: `job-s1-${step}`,
      region: 'eu-west-1',
      startedAt: `2026-12-01T10:0${step === 'qc' ? 1 : 2}:00.000Z`,
    });
    await paidJob(catalog, { ...s1, version: 2 }, step, [{ key: `teams/genomics/${step}.txt`, size: 1, md5: 'x' }], vcpuSeconds, usd);
  }
  await catalog.samples.updateVersion({ ...s1, version: 2 }, { status: 'COMPLETED', completedAt: '2026-12-01T10:03:00.000Z' });
  await catalog.samples.setStatus(s1, 'COMPLETED', { currentVersion: 2, detail: 'v2 completed: qc, trim' });

  // S2: running trim in eu-central-1, holding 2 vCPUs there; one more job queued behind it
  const s2 = { team: 'genomics', runId: RUN_G, sampleId: 'S2' };
  await catalog.samples.claimVersion(s2, 'hash-s2', [file('S2_S2_L001_R1_001.fastq.gz', 'R1')], 'READY');
  await catalog.steps.put({
    ...s2,
    version: 1,
    step: 'trim',
    status: 'RUNNING',
    jobName: 'job-s2-trim',
    region: 'eu-central-1',
    attempt: 1,
    startedAt: '2026-12-01T10:04:00.000Z',
  });
  await catalog.samples.setStatus(s2, 'RUNNING', { currentVersion: 1, detail: 'running trim in eu-central-1' });
  const load = await catalog.regionLoads.get('eu-central-1');
  await catalog.regionLoads.reserve(
    'eu-central-1',
    'job-s2-trim',
    { vcpus: 2, memoryMiB: 512, expectedSeconds: 60, priority: 0 },
    load.revision,
  );
  await catalog.regionLoads.reserve(
    'eu-central-1',
    'job-queued',
    { vcpus: 1, memoryMiB: 512, expectedSeconds: 60, priority: 0 },
    load.revision + 1,
  );

  // S3: rejected, a broken separator line in its R2
  const s3 = { team: 'genomics', runId: RUN_G, sampleId: 'S3' };
  await catalog.samples.claimVersion(s3, 'hash-s3', [file('S3_S3_L001_R1_001.fastq.gz', 'R1'), file(BAD_FILE, 'R2')], 'REJECTED');
  await catalog.samples.updateVersion(
    { ...s3, version: 1 },
    {
      reasons: [
        {
          code: 'FASTQ_SEPARATOR',
          file: BAD_FILE,
          line: 11,
          record: 3,
          expected: "'+' at the start of the separator line",
          found: "'X'",
          message: "line 11: expected '+' separator, found 'X'",
        },
      ],
      reasonCount: 1,
      reasonsKey: `genomics/${RUN_G}/v1/reasons.json`,
    },
  );
  await catalog.samples.setStatus(s3, 'REJECTED', { currentVersion: 1, detail: `${BAD_FILE} line 11: expected '+'` });

  // S4: the sheet names it, its files have not arrived
  await catalog.samples.setStatus({ team: 'genomics', runId: RUN_G, sampleId: 'S4' }, 'RECEIVING', {
    detail: 'waiting for S4_S4_L001_R1_001.fastq.gz',
  });

  const m1 = { team: 'microbio', runId: RUN_M, sampleId: 'M1' };
  await catalog.samples.claimVersion(m1, 'hash-m1', [file('M1_S1_L001_R1_001.fastq.gz', 'R1')], 'READY');
  await catalog.steps.put({
    ...m1,
    version: 1,
    step: 'qc',
    status: 'RUNNING',
    jobName: 'job-m1-qc',
    region: 'eu-west-1',
    startedAt: '2026-12-01T10:05:00.000Z',
  });
  await paidJob(catalog, { ...m1, version: 1 }, 'qc', [], 8, 0.0001);
  await catalog.samples.updateVersion({ ...m1, version: 1 }, { status: 'COMPLETED', completedAt: '2026-12-01T10:06:00.000Z' });
  await catalog.samples.setStatus(m1, 'COMPLETED', { currentVersion: 1, detail: 'v1 completed: qc' });
}
