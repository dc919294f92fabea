/**
 * The `landfall` command line (started by cli/landfall.ts): thin commands over the same modules both runtimes
 * use. Exit codes: 0 ok, 1 failed or invalid, 2 usage or environment error.
 *
 * Each command's module is imported only when that command runs, so a command
 * loads what it uses and nothing else: `validate` never loads the AWS SDK or the runtime, `--help` loads
 * neither, read commands load the catalog client but not the runtime (test/cli/lazyCommands.test.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { EXIT, exitCodeOf } from './errors.ts';
import { exitWhenFlushed, toleratePipeReadersLeaving } from './output.ts';

const DEFAULT_STATE_DIR = '.landfall';

/** The package's version (`landfall --version`), read beside the sources (the build keeps each module's URL). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Sample statuses, for option help (kept in step with functions/catalog/types.ts SAMPLE_STATUSES by a test). */
export const SAMPLE_STATUS_HELP = 'RECEIVING, VALIDATING, REJECTED, READY, RUNNING, COMPLETED, FAILED, CANCELLED, SUPERSEDED';
/** Run statuses, for option help (functions/operate/runSummaries.ts RUN_STATUSES). */
export const RUN_STATUS_HELP = 'RECEIVING, INCOMPLETE, COMPLETE, PROCESSING, DONE';

const teamOption = (what = 'only this team') => new Option('--team <team>', `${what} (a team id from landfall.config.ts)`);
const runOption = (what = 'only this run') => new Option('--run <run>', `${what} (the run folder's name)`);

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`expected an integer, got ${JSON.stringify(value)}`);
  return parsed;
}

const stateDirOption = () => new Option('--state-dir <dir>', 'the runtime state folder').default(DEFAULT_STATE_DIR);
const configOption = () => new Option('--config <file>', 'landfall.config.ts to use (default: ./landfall.config.ts, else the project one)');
const jsonOption = () => new Option('--json', 'print JSON instead of a table');
/** Read and act commands act for a team (its token from <state-dir>/tokens.json) or the operator. */
const tokenOption = () =>
  new Option(
    '--token <token>',
    "a team's token or the operator's, from <state-dir>/tokens.json (default: $LANDFALL_TOKEN, else the operator)",
  );

export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('landfall')
    .description('Landfall: files from instruments become validated, cataloged, processed and published outputs.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(npx landfall --help lists the commands)')
    .exitOverride();
  const run = (action: () => Promise<number>) => async () => exit(await action());

  program
    .command('up')
    .description('run the embedded runtime in the foreground (Ctrl-C or SIGTERM stops it)')
    .addOption(stateDirOption())
    .addOption(configOption())
    .option('--share <dir>', 'the watched instrument share (default: <state-dir>/share)')
    .option(
      '--hold-jobs',
      'land, validate, catalog and start workflows, but hold every Batch job (steps, large-sample validation) queued: a maintenance window, or benchmarking landing alone',
    )
    .action((opts) => run(async () => (await import('./commands/up.ts')).upCommand(opts))());

  program
    .command('demo')
    .description('generate a sequencing run, drop it on the share, process it end to end and check every output')
    .option(
      '--pipeline <name>',
      'demo (self-contained) or dna-align (fastp, bwa, samtools and MultiQC from Debian on a synthetic genome)',
      'demo',
    )
    .option('--samples <n>', 'samples in the generated run', integer, 8)
    .option('--reads <n>', 'read pairs per sample (per lane for dna-align, which writes 2 lanes)', integer, 2000)
    .option('--team <team>', 'team that receives the run (default: the first team in the config)')
    .option('--timeout <seconds>', 'give up after this long', integer, 600)
    .option('--state-dir <dir>', 'state folder (default: a fresh temporary folder, kept and printed)')
    .addOption(configOption())
    .action((opts) => run(async () => (await import('./commands/demo.ts')).demoCommand({ ...opts, timeoutSeconds: opts.timeout }))());

  program
    .command('status')
    .description('one screen: samples by status per team, runs in flight, regions, dead letters, last errors')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/readCommands.ts')).statusCommand(opts))());

  program
    .command('validate')
    .description(
      'validate a FASTQ file or a run folder in one streaming pass: checksums, gzip, records, mates, statistics (exit 0 valid, 1 invalid, 2 usage or I/O error)',
    )
    .argument('[file-or-run-folder]')
    .option('--profile <profile>', 'run folders: illumina, manifest or marker (default: from what the folder holds)')
    .option('--rules', 'list the rules the validator applies, with their codes, instead of validating')
    .addOption(
      new Option(
        '--config <file>',
        'landfall.config.ts whose `validation` settings apply, e.g. legacyNoCalls (default: ./landfall.config.ts, else the project one)',
      ),
    )
    .addOption(jsonOption())
    .action((target: string | undefined, opts) =>
      run(async () => (await import('./commands/validate.ts')).validateCommand(target, opts))(),
    );

  program
    .command('costs')
    .description('estimated cost per run and team: every attempt (failed and re-placed jobs too) and cross-region transfer')
    .addOption(teamOption())
    .addOption(runOption())
    .option('--since <time>', 'runs created since this ISO-8601 time')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/costs.ts')).costsCommand(opts))());

  program
    .command('runs')
    .description('one line per run: status, samples by status, started, finished, duration, estimated cost')
    .addOption(teamOption())
    .option('--status <status>', `only runs in this status: ${RUN_STATUS_HELP}`)
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/runs.ts')).runsCommand(opts))());

  program
    .command('samples')
    .description('list samples with their status')
    .addOption(teamOption())
    .option('--status <status>', `only samples in this status: ${SAMPLE_STATUS_HELP}`)
    .addOption(runOption())
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/readCommands.ts')).samplesCommand(opts))());

  program
    .command('sample')
    .description('one sample: versions, input files and checksums, steps and published outputs')
    .argument('<name>', '<team>/<run>/<sample>, or a bare sample id when unique')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((name: string, opts) => run(async () => (await import('./commands/readCommands.ts')).sampleCommand(name, opts))());

  program
    .command('outputs')
    .description("list a team's published outputs; with --watch, print each output as it lands")
    .addOption(teamOption('the team whose outputs to list').makeOptionMandatory())
    .addOption(runOption())
    .option('--watch', 'keep running and print each output as it is published (with --run: until the run is DONE; Ctrl-C stops)')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/outputs.ts')).outputsCommand(opts))());

  program
    .command('fetch')
    .description("download a run's published outputs (and manifests) with progress, verifying every file's size and MD5")
    .argument('<dir>', 'target folder: <dir>/<sample>/v<N>/<step>/<file>')
    .addOption(teamOption('the team whose run to fetch').makeOptionMandatory())
    .addOption(runOption('the run to fetch').makeOptionMandatory())
    .option('--step <step>', "only this step's outputs")
    .addOption(
      new Option('--progress <mode>', 'how progress is shown (default: tty on a terminal, else lines)').choices(['tty', 'lines', 'none']),
    )
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((dir: string, opts) => run(async () => (await import('./commands/fetch.ts')).fetchCommand({ ...opts, dir }))());

  program
    .command('reprocess')
    .description('re-run landed data without re-uploading, as a new linked execution')
    .argument('[sample]', '<team>/<run>/<sample>')
    .option('--run <team/run>', 'every sample of a run')
    .option('--from-step <step>', 're-run from this step; earlier steps reuse their published outputs')
    .option('--pipeline <name>', 'run another pipeline')
    .option('--urgent', 'run its jobs ahead of the backlog (urgent priority and queue)')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((sample: string | undefined, opts) =>
      run(async () => (await import('./commands/actCommands.ts')).reprocessCommand(sample, opts))(),
    );

  program
    .command('cancel')
    .description(
      'stop a sample (or every sample of a run): its executions and jobs stop, it becomes CANCELLED, nothing more is published; reprocess restarts it',
    )
    .argument('<target>', '<team>/<run>/<sample>, or <team>/<run> for every sample of the run')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((target: string, opts) => run(async () => (await import('./commands/actCommands.ts')).cancelCommand(target, opts))());

  program
    .command('logs')
    .description("what a step's job wrote (stdout and stderr); without --step the failed step, else the running one, else the last")
    .argument('<sample>', '<team>/<run>/<sample>')
    .option('--step <step>', 'the step whose job log to show (default: the failed step, else the running one, else the last started)')
    .option('--attempt <k>', "which attempt of the step's job (default: the latest)", integer)
    .option('--follow', 'keep printing new lines until the step ends')
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((name: string, opts) => run(async () => (await import('./commands/logs.ts')).logsCommand(name, opts))());

  program
    .command('replay')
    .description('re-drive everything that landed since a time; already-cataloged versions are a no-op')
    .requiredOption('--since <time>', 'ISO-8601 time, e.g. 2026-11-23T08:00:00Z')
    .addOption(teamOption())
    .addOption(stateDirOption())
    .addOption(configOption())
    .addOption(jsonOption())
    .addOption(tokenOption())
    .action((opts) => run(async () => (await import('./commands/actCommands.ts')).replayCommand(opts))());

  program
    .command('smoke')
    .description('after a deploy: land a one-sample run through the deployed stack and report each hop until it is published')
    .requiredOption('--stage <stage>', 'the deployed stage (sst deploy --stage)')
    .option('--team <team>', 'the team whose share the run lands on (default: the first in the config)')
    .option('--outputs <file>', "the stack's outputs, written by sst deploy", '.sst/outputs.json')
    .option('--timeout <seconds>', 'give up after this long', integer, 1800)
    .option('--poll <seconds>', 'seconds between looks at the catalog', integer, 10)
    .addOption(configOption())
    .action((opts) => run(async () => (await import('./commands/smoke.ts')).smokeCommand(opts))());

  // A flag error in a subcommand points to that subcommand's help, not the top-level list.
  for (const command of program.commands) command.showHelpAfterError(`(npx landfall ${command.name()} --help lists its options)`);
  return program;
}

/** Runs the command line in `process.argv` and exits with its code once stdout and stderr are flushed. */
export async function main(): Promise<void> {
  toleratePipeReadersLeaving();
  let code: number = EXIT.ok;
  const program = buildProgram((value) => {
    code = value;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is a usage error.
      code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (exitCodeOf(error) !== undefined) {
      process.stderr.write(`landfall: ${(error as Error).message}\n`);
      code = exitCodeOf(error)!;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`landfall: ${error.message}\n`);
      code = EXIT.usage;
    } else {
      process.stderr.write(`landfall: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = EXIT.failed;
    }
  }
  // Not process.exit: output still queued on a pipe would be lost (a large --json piped into `cat`).
  await exitWhenFlushed(code);
}
