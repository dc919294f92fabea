import { loadConfig } from '../../config/loadConfig.ts';
import { EmbeddedRuntime } from '../../runtime/EmbeddedRuntime.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { CliError, EXIT } from '../errors.ts';
import { counted } from '../output.ts';
import { MissingProgramsError, StepTooLargeError } from '../../runtime/pipelineTools.ts';
import { PipelineError } from '../../config/pipeline.ts';
import { diskFullMessage, isDiskFull } from '../../runtime/diskFull.ts';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeStructuredLogsTo } from '../../functions/shared/powertools.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';

/** The handlers' structured log under `<state-dir>/logs/` (README "Using it for real"). */
export const FUNCTION_LOG_NAME = 'functions.jsonl';

/** One line per Landfall fact, for a person watching `landfall up`. */
export function describeEvent(event: BusEvent): string | undefined {
  if (event.source !== 'landfall') return undefined;
  const d = event.detail as Record<string, unknown>;
  // Run-level events (Run Completed, Run Incomplete, Unexpected File of a run) have no sample.
  const sample = `${d.team}/${d.runId}${d.sampleId ? `/${d.sampleId}` : ''}${d.version ? ` v${d.version}` : ''}`;
  switch (event['detail-type']) {
    case 'Sample Landed':
      // A sample with too many files for an event names its file set, which counts them.
      return `landed     ${sample} (${counted((d.fileSet as { count: number } | undefined)?.count ?? (d.files as string[]).length, 'file')})`;
    case 'Sample Cataloged':
      return `cataloged  ${sample}`;
    case 'Sample Rejected':
      return `REJECTED   ${sample}: ${(d.reasons as Array<{ file: string; message: string }>).map((r) => `${r.file}: ${r.message}`).join('; ')}`;
    case 'Workflow Started':
      return `started    ${sample} ${d.pipeline} (${d.executionName})`;
    case 'Step Output Published':
      return `published  ${sample} ${d.step} → ${counted((d.keyCount as number | undefined) ?? (d.keys as string[]).length, 'file')}`;
    case 'Sample Completed':
      return `COMPLETED  ${sample}`;
    case 'Sample Failed':
      return `FAILED     ${sample}: ${d.error}${d.cause ? ` ${d.cause}` : ''}`;
    case 'Run Completed':
      return `RUN DONE   ${sample}`;
    case 'Unexpected File':
      return `unexpected ${sample}: ${d.message}`;
    // Platform events: a region, no team or run.
    case 'Region Scaled Down':
      return `scaled down ${d.region}: warm capacity ${counted(Number(d.warmVcpus), 'vCPU')} (${d.alarmName})`;
    case 'Region Woke Up':
      return `woke up    ${d.region} for ${d.jobName}: running ${(Number(d.wakeLatencyMs) / 1000).toFixed(1)} s after submission`;
    default:
      return d.team === undefined ? String(event['detail-type']) : `${event['detail-type']} ${sample}`;
  }
}

/**
 * Starts the embedded runtime; a config it cannot run (a routed pipeline that does not exist, a default
 * reference missing, a step's program not on PATH) is a usage error, exit 2, with what to install.
 */
export async function startRuntime(options: Parameters<typeof EmbeddedRuntime.start>[0]): Promise<EmbeddedRuntime> {
  try {
    return await EmbeddedRuntime.start(options);
  } catch (error) {
    if (error instanceof MissingProgramsError || error instanceof PipelineError || error instanceof StepTooLargeError)
      throw new CliError(`cannot start: ${error.message}`, EXIT.usage, { cause: error });
    throw error;
  }
}

/** `landfall up`: runs the embedded runtime in the foreground until Ctrl-C or SIGTERM. */
export async function upCommand(options: { stateDir: string; config?: string; share?: string; holdJobs?: boolean }): Promise<number> {
  const { config, configPath } = await loadConfig(options.config);
  // A fatal condition (a full disk) ends the run with one line and exit 1; everything after it is noise.
  let fatal: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  const stopFatally = (message: string) => {
    if (fatal) return;
    fatal = message;
    process.stderr.write(`landfall up: ${message}\n`);
    stopNow?.('fatal');
  };
  // A full disk can surface anywhere (a log write, a library's own file): never as a raw stack trace.
  const onUncaught = (error: unknown) => {
    if (isDiskFull(error))
      return stopFatally(diskFullMessage(path.resolve(options.stateDir), (error as { path?: string }).path ?? 'a file'));
    // Anything else ends the process as Node would have without these listeners.
    process.stderr.write(`landfall up: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failed);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  // The handlers' structured logs go to a file: the terminal keeps the lines below (events, problems).
  const functionLogs = path.join(stateLayout(options.stateDir).logs, FUNCTION_LOG_NAME);
  await mkdir(path.dirname(functionLogs), { recursive: true, mode: 0o700 });
  const logStream = createWriteStream(functionLogs, { flags: 'a', mode: 0o600 });
  // A log that cannot be written is said once; the runtime's own checks catch a full disk.
  logStream.once('error', (error) => process.stderr.write(`warning: ${functionLogs}: ${error.message}; structured logs are lost\n`));
  writeStructuredLogsTo(logStream);
  const runtime = await startRuntime({
    config,
    configPath,
    stateDir: options.stateDir,
    shareDir: options.share,
    onEvent: (event) => {
      const line = describeEvent(event);
      if (line) process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    },
    onProblem: (where, message) => {
      if (!fatal) process.stderr.write(`warning: ${where}: ${message}\n`);
    },
    onFatal: stopFatally,
    onDeadLetter: (entry) => process.stderr.write(`dead letter: rule ${entry.rule} → ${entry.target}: ${entry.error}\n`),
  });
  // Held jobs stay queued in the local executor (as in a paused Batch queue) until a restart without it.
  if (options.holdJobs) runtime.executor.pause();
  process.stdout.write(
    [
      `Landfall is up (pid ${process.pid}).${options.holdJobs ? ' Batch jobs are HELD: they queue and do not start.' : ''}`,
      `  share:    ${runtime.shareDir}   drop runs as <team>/<run>/... (teams: ${config.teams.map((t) => t.id).join(', ')})`,
      `  outputs:  ${runtime.layout.buckets}/${config.app}-results/teams/`,
      `  state:    ${runtime.layout.root}`,
      `  logs:     ${functionLogs} (structured, one JSON line each); a step's job: npx landfall logs <team>/<run>/<sample>`,
      `  look:     npx landfall status --state-dir ${options.stateDir}`,
      `  dashboard: ${runtime.dashboardUrl}   sign in with a token from ${runtime.layout.root}/tokens.json`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stdout.write(`\n${signal}: stopping (jobs are killed, state is kept)…\n`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    stopNow = () => resolve();
    if (fatal) resolve();
  });
  await runtime.stop().catch((error: unknown) => {
    if (!fatal) throw error;
  });
  if (fatal) return EXIT.failed;
  process.stdout.write('stopped.\n');
  return EXIT.ok;
}
