import { RUN_STATUSES, runSummaries } from '../../functions/operate/runSummaries.ts';
import type { RunStatus } from '../../functions/catalog/types.ts';
import { selectTeams } from '../../runtime/identity/identity.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatDuration, formatTable, formatUsd, printJson } from '../output.ts';
import { connectAs } from '../runtimeClient.ts';

export interface RunsOptions {
  stateDir: string;
  config?: string;
  token?: string;
  json?: boolean;
  team?: string;
  status?: string;
}

/**
 * `landfall runs [--team t] [--status s] [--json]`: one line per run — status, samples by status, started,
 * finished, duration, estimated cost (functions/operate/runSummaries.ts; the cost model `landfall costs` uses).
 */
export async function runsCommand(options: RunsOptions): Promise<number> {
  const status = options.status?.toUpperCase();
  if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus))
    throw new CliError(`unknown run status ${options.status}; known run statuses: ${RUN_STATUSES.join(', ')}`, EXIT.failed);
  const client = await connectAs(options.stateDir, options.config, options.token);
  const teams = selectTeams(client.identity, client.config, options.team);
  const runs = await runSummaries(client.catalog, teams, status ? { status: status as RunStatus } : {});
  if (options.json) {
    printJson(runs);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs${status ? ` ${status}` : ''} for ${teams.join(', ')}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    `${formatTable(
      ['team', 'run', 'status', 'samples', 'started', 'finished', 'duration', 'cost'],
      runs.map((run) => [
        run.team,
        run.runId,
        run.status,
        `${run.samples}${
          run.samples > 0
            ? `: ${Object.entries(run.counts)
                .map(([sampleStatus, count]) => `${count} ${sampleStatus.toLowerCase()}`)
                .join(', ')}`
            : ''
        }`,
        run.startedAt.replace(/\.\d+Z$/, 'Z'),
        run.finishedAt?.replace(/\.\d+Z$/, 'Z') ?? '-',
        `${formatDuration(run.durationSeconds)}${run.finishedAt ? '' : ' so far'}`,
        formatUsd(run.cost.estimatedUsd),
      ]),
    )}\n`,
  );
  return EXIT.ok;
}
