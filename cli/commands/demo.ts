import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bucketNames } from '../../config/defineConfig.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import { generateAlignmentRun, indexReferenceGenome, type ReferenceGenome, writeReferenceGenome } from '../../demo/alignmentRun.ts';
import { generateRun } from '../../demo/generateRun.ts';
import { debianPackagesFor, onPath } from '../../runtime/pipelineTools.ts';
import { DNA_ALIGN_DEFAULT_REFERENCE } from '../../workflows/pipelines/dnaAlign.ts';
import { TERMINAL_SAMPLE_STATUSES, type SampleRecord } from '../../functions/catalog/types.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { manifestKey, runIndexKey } from '../../contracts/keys.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatTable } from '../output.ts';
import { describeEvent, startRuntime } from './up.ts';
import { BUS_LOG_NAME } from '../../runtime/bus/LocalEventBus.ts';

/** Pipelines `landfall demo --pipeline` can show: the self-contained built-in one, or dna-align with real tools. */
export const DEMO_PIPELINES = ['demo', 'dna-align'] as const;
/** The Debian tools dna-align runs on this machine (its steps' `requires`). */
const DNA_ALIGN_TOOLS = ['fastp', 'bwa', 'samtools', 'multiqc'];

export interface DemoOptions {
  /** @default 'demo' */
  pipeline?: string;
  samples: number;
  reads: number;
  stateDir?: string;
  config?: string;
  team?: string;
  timeoutSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `landfall demo`: generates a realistic sequencing run, writes it into the share file by file as an
 * instrument does (markers last), lets the embedded runtime process it end to end while showing progress,
 * then checks every sample completed and every output in its manifest exists with the right size and MD5.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  if (!Number.isInteger(options.samples) || options.samples < 1 || options.samples > 96)
    throw new CliError(`--samples must be an integer 1..96, got ${options.samples}`);
  if (!Number.isInteger(options.reads) || options.reads < 10) throw new CliError(`--reads must be an integer ≥ 10, got ${options.reads}`);
  const pipeline = options.pipeline ?? 'demo';
  if (!(DEMO_PIPELINES as readonly string[]).includes(pipeline))
    throw new CliError(`--pipeline must be one of ${DEMO_PIPELINES.join(', ')}, got ${pipeline}`);
  if (pipeline === 'dna-align') {
    // Before anything is written: dna-align runs Debian's tools as host processes here.
    const missing = DNA_ALIGN_TOOLS.filter((tool) => !onPath(tool));
    if (missing.length > 0)
      throw new CliError(
        `the dna-align demo runs ${DNA_ALIGN_TOOLS.join(', ')} on this machine; missing: ${missing.join(', ')}\ninstall with: sudo apt-get install ${debianPackagesFor(missing).join(' ')}`,
        EXIT.usage,
      );
  }
  const loaded = await loadConfig(options.config);
  const { configPath } = loaded;
  let config = loaded.config;
  const team = options.team ?? config.teams[0]!.id;
  if (!config.teams.some((candidate) => candidate.id === team)) throw new CliError(`unknown team ${team}`);
  const stateDir = options.stateDir ? path.resolve(options.stateDir) : await mkdtemp(path.join(os.tmpdir(), 'landfall-demo-'));
  let reference: ReferenceGenome | undefined;
  if (pipeline === 'dna-align') {
    // A small synthetic genome, indexed as a lab indexes its references, and the team routed to dna-align.
    reference = await writeReferenceGenome({ dir: path.join(stateDir, 'reference'), seed: 'landfall-demo' });
    await indexReferenceGenome(reference);
    config = {
      ...config,
      teams: config.teams.map((candidate) => (candidate.id === team ? { ...candidate, pipeline: 'dna-align' } : candidate)),
      references: { ...config.references, [DNA_ALIGN_DEFAULT_REFERENCE]: reference.dir },
      // dna-align's align step reserves 8 GiB (bwa on a human genome); the embedded runtime does not enforce memory.
      embedded: { ...config.embedded, memoryMiBPerRegion: Math.max(config.embedded.memoryMiBPerRegion, 8192) },
    };
  }
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

  say(`state dir ${stateDir} (kept after the demo)`);
  const runtime = await startRuntime({
    config,
    configPath,
    stateDir,
    onEvent: (event) => {
      const line = describeEvent(event);
      if (line) say(line);
    },
    onProblem: (where, message) => say(`warning: ${where}: ${message}`),
    onDeadLetter: (entry) => say(`dead letter: ${entry.rule}: ${entry.error}`),
  });
  try {
    const now = new Date();
    const runId = `${String(now.getUTCFullYear()).slice(2)}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}_LH00417_${String(now.getUTCHours() * 60 + now.getUTCMinutes()).padStart(4, '0')}_B22FJKLT3`;
    const source = path.join(stateDir, 'demo-instrument', runId);
    const run = reference
      ? await generateAlignmentRun({
          dir: source,
          runId,
          seed: runId,
          reference,
          samples: options.samples,
          lanes: 2,
          pairsPerLane: options.reads,
        })
      : await generateRun({ dir: source, runId, seed: runId, samples: options.samples, readsPerSample: options.reads, team });
    say(`generated run ${runId}: ${run.samples.length} samples, ${run.files.length} files`);

    const runFolder = path.join(runtime.shareDir, team, runId);
    await mkdir(runFolder, { recursive: true });
    for (const file of run.files) {
      await copyFile(file.path, path.join(runFolder, file.name));
      await sleep(20); // an instrument writes files one after another, markers last
    }
    say(`wrote ${run.files.length} files into ${runFolder}`);

    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let samples: SampleRecord[] = [];
    let lastProgress = '';
    for (;;) {
      samples = await runtime.services.catalog.samples.listInRun(team, runId);
      const terminal = samples.filter((sample) => TERMINAL_SAMPLE_STATUSES.includes(sample.status));
      const progress = `progress: ${terminal.length}/${run.samples.length} samples finished (${countByStatus(samples)})`;
      if (progress !== lastProgress) say(progress);
      lastProgress = progress;
      if (samples.length === run.samples.length && terminal.length === run.samples.length) break;
      if (Date.now() > deadline) throw new CliError(`demo timed out after ${options.timeoutSeconds}s: ${progress}`, EXIT.failed);
      await sleep(250);
    }
    // The run is DONE once its run-scope steps (dna-align's MultiQC) have finished too.
    while ((await runtime.services.catalog.runs.get(team, runId))?.status !== 'DONE') {
      if (Date.now() > deadline)
        throw new CliError(`demo timed out after ${options.timeoutSeconds}s waiting for the run's run steps`, EXIT.failed);
      await sleep(250);
    }
    await runtime.waitForIdle();

    const results = bucketNames(config).results;
    const rows = [];
    let ok = true;
    for (const sample of samples.sort((a, b) => a.sampleId.localeCompare(b.sampleId))) {
      const ref = { team, runId, sampleId: sample.sampleId, version: sample.currentVersion ?? 1 };
      const manifest = await runtime.services.storage
        .getBytes(results, manifestKey(ref))
        .then((bytes) => JSON.parse(bytes.toString('utf8')) as SampleManifest)
        .catch(() => undefined);
      const files = manifest ? Object.values(manifest.steps).flatMap((step) => step.files) : [];
      const present = await Promise.all(
        files.map(async (file) => (await runtime.services.storage.head(results, file.key))?.size === file.size),
      );
      const complete = sample.status === 'COMPLETED' && manifest !== undefined && files.length > 0 && present.every(Boolean);
      ok &&= complete;
      rows.push([
        sample.sampleId,
        `v${ref.version}`,
        sample.status,
        Object.keys(manifest?.steps ?? {}).join(', '),
        files.length,
        complete ? 'yes' : 'NO',
      ]);
    }
    process.stdout.write(`\n${formatTable(['sample', 'version', 'status', 'steps published', 'files', 'outputs verified'], rows)}\n\n`);
    const runOutputs = path.join(runtime.layout.buckets, results, 'teams', team, 'runs', runId);
    process.stdout.write(`outputs:   ${runOutputs}\n`);
    const index = JSON.parse((await runtime.services.storage.getBytes(results, runIndexKey(team, runId))).toString('utf8')) as RunIndex;
    if (index.runSteps) {
      const runSteps = index.runSteps;
      ok &&= runSteps.status === 'COMPLETED' && runSteps.samples.length === run.samples.length;
      for (const step of runSteps.steps)
        process.stdout.write(
          `run step:  ${step.step} over ${runSteps.samples.length} samples: ${path.join(runOutputs, 'run-steps', `v${runSteps.version}`, step.step)}\n`,
        );
      if (runSteps.status !== 'COMPLETED')
        process.stdout.write(`run steps: ${runSteps.status}${runSteps.error ? `: ${runSteps.error}` : ''}\n`);
    }
    // The run report is written on "Run Completed", just after the last sample: give it a moment.
    const report = path.join(runOutputs, 'report', 'report.html');
    for (let waited = 0; !existsSync(report) && waited < 10_000; waited += 100) await sleep(100);
    process.stdout.write(existsSync(report) ? `report:    ${report}\n` : 'report:    not written yet (it follows "Run Completed")\n');
    process.stdout.write(
      `catalog:   landfall samples --state-dir ${stateDir} --run ${runId}   (while \`landfall up --state-dir ${stateDir}\` runs)\n`,
    );
    process.stdout.write(`bus log:   ${path.join(runtime.layout.bus, BUS_LOG_NAME)}\n`);
    process.stdout.write(
      ok
        ? `\nDemo succeeded in ${elapsed().trim()}: every sample completed and every output exists.\n`
        : '\nDemo FAILED: see the table above.\n',
    );
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.stop();
  }
}

function countByStatus(samples: SampleRecord[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples) counts.set(sample.status.toLowerCase(), (counts.get(sample.status.toLowerCase()) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ') || 'waiting for files';
}
