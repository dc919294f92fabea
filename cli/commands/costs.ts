import { costReport } from '../../functions/catalog/costReport.ts';
import { CliError, EXIT } from '../errors.ts';
import { selectTeams } from '../../runtime/identity/identity.ts';
import { formatTable, formatUsd, printJson } from '../output.ts';
import { connectAs } from '../runtimeClient.ts';

export interface CostsOptions {
  stateDir: string;
  config?: string;
  json?: boolean;
  token?: string;
  team?: string;
  run?: string;
  since?: string;
}

const usd = formatUsd;
const hours = (seconds: number) => (seconds / 3600).toFixed(3);
const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);

/**
 * `landfall costs [--team] [--run] [--since]`: estimated cost per run and team — compute over every
 * attempt (failed and re-placed jobs included) and cross-region transfer, at the configured prices.
 */
export async function costsCommand(options: CostsOptions): Promise<number> {
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since && (Number.isNaN(since.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(options.since!))) {
    throw new CliError(`--since expects an ISO-8601 time such as 2026-11-23T08:00:00Z, got ${JSON.stringify(options.since)}`, EXIT.usage);
  }
  const client = await connectAs(options.stateDir, options.config, options.token);
  const teams = selectTeams(client.identity, client.config, options.team);
  const report = await costReport(client.catalog, teams, { runId: options.run, since });
  if (options.json) {
    printJson(report);
    return EXIT.ok;
  }
  if (report.runs.length === 0) {
    if (options.run) {
      // The one rule for an unknown name: exit 1 with the known runs.
      const known = (await costReport(client.catalog, teams)).runs.map((run) => run.runId).sort();
      if (!known.includes(options.run))
        throw new CliError(
          `no run ${options.run} for ${teams.join(', ')}; known runs: ${known.length > 0 ? known.join(', ') : 'none'}`,
          EXIT.failed,
        );
    }
    process.stdout.write(
      `no runs${options.run ? ` named ${options.run}` : ''}${since ? ` since ${since.toISOString()}` : ''} for ${teams.join(', ')}\n`,
    );
    return EXIT.ok;
  }
  const columns = ['jobs', 'failed', 're-placed', 'attempts', 'vCPU-h', 'GB-h', 'moved GiB', 'compute', 'transfer', 'total'];
  const figures = (row: (typeof report.runs)[number] | (typeof report.teams)[number]) => [
    row.jobs,
    row.failedJobs,
    row.replacedJobs,
    row.attempts,
    hours(row.vcpuSeconds),
    hours(row.memoryGbSeconds),
    gib(row.transferBytes),
    usd(row.computeUsd),
    usd(row.transferUsd),
    usd(row.estimatedUsd),
  ];
  process.stdout.write(
    `${formatTable(
      ['team', 'run', 'samples', ...columns],
      report.runs.map((run) => [run.team, run.runId, run.samples, ...figures(run)]),
    )}\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['team', 'runs', ...columns],
      report.teams.map((team) => [team.team, team.runs, ...figures(team)]),
    )}\n`,
  );
  process.stdout.write(`\nestimated total ${usd(report.total.estimatedUsd)} (configured prices; not the AWS bill)\n`);
  return EXIT.ok;
}
