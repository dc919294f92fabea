/**
 * pipeline-overhead: the same dna-align work — 8 samples × 2 lanes of paired reads simulated from a 100 kb
 * reference, fastp → bwa mem | samtools sort, index → samtools flagstat, stats → one MultiQC — run by Landfall
 * on a live embedded runtime (from the last file settling on the share to the run DONE: landing, validation,
 * cataloging, the workflows, each job's stage-in and stage-out, publishing, the run step) and by Debian's
 * Snakemake 7 with a Snakefile of the same steps (bench/pipeline-overhead.smk, `-j 2`, as Landfall gets one
 * 2-vCPU region). Interleaved (Landfall, Snakemake, Landfall, …), median of each, reported as a ratio.
 * `LANDFALL_BENCH_PIPELINE_PAIRS` sets the read pairs per sample and lane (default 20,000).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type AlignmentRun, generateAlignmentRun, indexReferenceGenome, writeReferenceGenome } from '../demo/alignmentRun.ts';
import { debianPackagesFor, onPath } from '../runtime/pipelineTools.ts';
import { BENCH_SETTLE_MS } from './landfall.bench.config.ts';
import { followBusLog, percentile, projectRoot, startLiveRuntime, until } from './liveRuntime.ts';
import type { BenchModule, BenchRow } from './types.ts';

const TEAM = 'genomics';
const RUN_ID = '261215_LH00417_0300_B22PIPEBN';
const CONFIG = path.join(projectRoot, 'bench/landfall.pipeline.bench.config.ts');
const SNAKEFILE = path.join(projectRoot, 'bench/pipeline-overhead.smk');
const QUIET_MS = 3_000;
const TOOLS = ['fastp', 'bwa', 'samtools', 'multiqc', 'snakemake'];

/** The reference and the run, generated once per read count and kept in the bench cache. */
async function cachedInputs(cacheDir: string, pairsPerLane: number): Promise<{ referenceDir: string; run: AlignmentRun }> {
  const dir = path.join(cacheDir, `pipeline-overhead-${pairsPerLane}`);
  const saved = path.join(dir, 'inputs.json');
  if (existsSync(saved)) {
    const inputs = JSON.parse(await readFile(saved, 'utf8')) as { referenceDir: string; run: AlignmentRun };
    if (inputs.run.files.every((file) => existsSync(file.path)) && existsSync(path.join(inputs.referenceDir, 'genome.fa.bwt')))
      return inputs;
  }
  await rm(dir, { recursive: true, force: true });
  const reference = await writeReferenceGenome({
    dir: path.join(dir, 'reference'),
    seed: 'pipeline-overhead',
    contigLengths: [60_000, 40_000],
  });
  await indexReferenceGenome(reference);
  const run = await generateAlignmentRun({
    dir: path.join(dir, RUN_ID),
    runId: RUN_ID,
    seed: 'pipeline-overhead',
    reference,
    samples: 8,
    lanes: 2,
    pairsPerLane,
  });
  const inputs = { referenceDir: reference.dir, run };
  await writeFile(saved, JSON.stringify(inputs));
  return inputs;
}

/**
 * Before each timed run: the previous run's written data flushed to disk and a short pause, so neither side
 * pays for the other's writeback (interleaved runs otherwise slow whichever comes second).
 */
async function quiesce(): Promise<void> {
  execFileSync('sync');
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
}

/** One Landfall run of the inputs, under run folder `runId`: ms from the last file settling to "Run Completed". */
async function landfallOnce(stateDir: string, shareDir: string, run: AlignmentRun, runId: string): Promise<number> {
  const folder = path.join(shareDir, TEAM, runId);
  await mkdir(folder, { recursive: true });
  for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
  const settledAt = Date.now() + BENCH_SETTLE_MS; // CopyComplete.txt, the last file, closed now
  const newEvents = followBusLog(stateDir);
  const completed = await until(
    `"Run Completed" of ${runId}`,
    async () => (await newEvents()).find((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === runId),
    30 * 60_000,
    200,
  );
  return Date.parse(completed.time) - settledAt;
}

/** One Snakemake run of the Snakefile over the same files in a fresh folder: wall ms. */
async function snakemakeOnce(workDir: string, run: AlignmentRun, referenceDir: string): Promise<number> {
  await mkdir(workDir, { recursive: true });
  const samples = Object.fromEntries(
    run.samples.map((sample) => [
      sample.sampleId,
      Object.fromEntries(
        (['R1', 'R2'] as const).map((read) => [
          read,
          sample.fastqs
            .filter((fastq) => fastq.read === read)
            .sort((a, b) => a.lane - b.lane)
            .map((fastq) => fastq.path),
        ]),
      ),
    ]),
  );
  const configFile = path.join(workDir, 'config.json');
  await writeFile(configFile, JSON.stringify({ samples, reference: referenceDir }));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('snakemake', ['--snakefile', SNAKEFILE, '--directory', workDir, '--configfile', configFile, '-j', '2', '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`snakemake exited ${code}: ${stderr.slice(-2000)}`))));
  });
  return Date.now() - started;
}

export const pipelineOverheadBench: BenchModule = {
  name: 'pipeline-overhead',
  description:
    'dna-align on 8 samples × 2 lanes: Landfall (last file settled → run DONE) vs Snakemake -j 2 (same steps), interleaved, median of each',
  async run(context) {
    const missing = TOOLS.filter((tool) => !onPath(tool));
    if (missing.length > 0)
      return [
        {
          name: 'Landfall / Snakemake',
          value: null,
          unit: '×',
          target: '≤ 1.15',
          note: `not measured: ${missing.join(', ')} not installed (apt-get install ${debianPackagesFor(missing).join(' ')})`,
        },
      ];
    const pairs = Number(process.env.LANDFALL_BENCH_PIPELINE_PAIRS ?? 20_000);
    context.log(`  generating (or reusing) 8 samples × 2 lanes × ${pairs} pairs and a 100 kb reference in ${context.cacheDir} …`);
    const { referenceDir, run } = await cachedInputs(context.cacheDir, pairs);
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-pipeline-'));
    process.env.LANDFALL_BENCH_REFERENCE_DIR = referenceDir;
    const runtime = await startLiveRuntime(path.join(scratch, 'state'), CONFIG);
    const landfall: number[] = [];
    const snakemake: number[] = [];
    try {
      for (let i = 0; i < context.runs; i++) {
        await quiesce();
        landfall.push(await landfallOnce(path.join(scratch, 'state'), runtime.info.shareDir, run, `${RUN_ID}${i}`));
        context.log(`  run ${i + 1}: Landfall ${(landfall.at(-1)! / 1000).toFixed(1)} s`);
        await quiesce();
        snakemake.push(await snakemakeOnce(path.join(scratch, `snakemake-${i}`), run, referenceDir));
        context.log(`  run ${i + 1}: Snakemake ${(snakemake.at(-1)! / 1000).toFixed(1)} s`);
      }
    } finally {
      await runtime.stop();
      await rm(scratch, { recursive: true, force: true });
    }
    const landfallMedian = percentile(landfall, 50);
    const snakemakeMedian = percentile(snakemake, 50);
    const ratio = Math.round((landfallMedian / snakemakeMedian) * 100) / 100;
    const rows: BenchRow[] = [
      {
        name: `Landfall: last file settled → run DONE, median of ${landfall.length}`,
        value: Math.round(landfallMedian / 100) / 10,
        unit: 's',
        target: '',
      },
      {
        name: `Snakemake -j 2, same steps, median of ${snakemake.length}`,
        value: Math.round(snakemakeMedian / 100) / 10,
        unit: 's',
        target: '',
      },
      { name: 'Landfall / Snakemake', value: ratio, unit: '×', target: '≤ 1.15', ok: ratio <= 1.15 },
    ];
    return rows;
  },
};
