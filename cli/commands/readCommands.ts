import { readFile } from 'node:fs/promises';
import { SAMPLE_STATUSES, type SampleRecord, type SampleStatus } from '../../functions/catalog/types.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import { CliError, EXIT } from '../errors.ts';
import { counted, formatTable, formatUsd, printJson } from '../output.ts';
import { assertCanRead, selectTeams } from '../../runtime/identity/identity.ts';
import { requireSample } from '../../functions/operate/lookup.ts';
import { connectAs, type IdentifiedClient } from '../runtimeClient.ts';
import { gatherSkippedOnShare, gatherStatus } from './statusReport.ts';

const STATUSES = SAMPLE_STATUSES;

/** "3 completed, 1 rejected", or "none yet". */
function describeCounts(counts: Partial<Record<SampleStatus, number>>): string {
  const parts = Object.entries(counts).map(([status, count]) => `${count} ${status.toLowerCase()}`);
  return parts.length > 0 ? parts.join(', ') : 'none yet';
}

export interface CommonOptions {
  stateDir: string;
  config?: string;
  json?: boolean;
  /** A team token or the operator's; else LANDFALL_TOKEN; else the operator (runtime/identity/identity.ts). */
  token?: string;
}

/**
 * The teams a read covers for the caller: a team identity sees only its own team and is refused any
 * other (runtime/identity/identity.ts `selectTeams`), so no listing or error names another team.
 */
function teamsOf(client: IdentifiedClient, team?: string): string[] {
  return selectTeams(client.identity, client.config, team);
}

async function allSamples(client: IdentifiedClient, filter: { team?: string; status?: string; run?: string }): Promise<SampleRecord[]> {
  if (filter.status && !STATUSES.includes(filter.status as SampleStatus))
    throw new CliError(`unknown status ${filter.status}; known statuses: ${STATUSES.join(', ')}`, EXIT.failed);
  const samples = [];
  const teams = teamsOf(client, filter.team);
  if (filter.run) await requireRunIn(client, teams, filter.run);
  for (const team of teams) {
    const list = filter.run
      ? await client.catalog.samples.listInRun(team, filter.run)
      : await client.catalog.samples.listForTeam(team, filter.status as SampleStatus | undefined);
    samples.push(...list.filter((sample) => !filter.status || sample.status === filter.status));
  }
  return samples.sort((a, b) => `${a.team}/${a.runId}/${a.sampleId}`.localeCompare(`${b.team}/${b.runId}/${b.sampleId}`));
}

/**
 * The one rule for an unknown run (issue 19): exit 1 naming the runs the caller can see (of `teams`), never
 * an empty table.
 */
async function requireRunIn(client: IdentifiedClient, teams: string[], runId: string): Promise<void> {
  const known: string[] = [];
  for (const team of teams) {
    const runs = await client.catalog.runs.listForTeam(team);
    if (runs.some((run) => run.runId === runId)) return;
    known.push(...runs.map((run) => (teams.length > 1 ? `${team}/${run.runId}` : run.runId)));
  }
  throw new CliError(
    `no run ${runId}${teams.length === 1 ? ` for team ${teams[0]}` : ''}; known runs: ${known.length > 0 ? known.sort().join(', ') : 'none'}`,
    EXIT.failed,
  );
}

/** `landfall status`: one screen — samples by status per team, runs in flight, regions, dead letters, last errors. */
export async function statusCommand(options: CommonOptions): Promise<number> {
  const client = await connectAs(options.stateDir, options.config, options.token);
  const teams = [];
  for (const team of teamsOf(client)) {
    const runs = await client.catalog.runs.listForTeam(team);
    const samples = await client.catalog.samples.listForTeam(team);
    const counts = Object.fromEntries(STATUSES.map((status) => [status, samples.filter((sample) => sample.status === status).length]));
    teams.push({
      team,
      runs: runs.map((run) => ({ runId: run.runId, status: run.status, missing: run.missingCount ?? run.missing?.length ?? 0 })),
      counts,
    });
  }
  const deadLetters = await readFile(`${stateLayout(options.stateDir).bus}/dead-letters.jsonl`, 'utf8')
    .then((text) =>
      text
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as { rule: string; error: string; at: string }];
          } catch {
            return []; // a line an append cut short (a full disk): not a dead letter
          }
        }),
    )
    .catch(() => [])
    // A team identity sees only dead letters of its own events: the rest would name other teams.
    .then((entries) =>
      client.identity.kind === 'team'
        ? entries.filter(
            (entry) =>
              (entry as { event?: { detail?: { team?: unknown } } }).event?.detail?.team === (client.identity as { team: string }).team,
          )
        : entries,
    );
  const { runsInFlight, unexpectedFiles, regions, lastErrors } = await gatherStatus(
    client.catalog,
    client.config,
    teams.map((team) => team.team),
  );
  const notLanded = await gatherSkippedOnShare(
    client.catalog,
    client.identity.kind === 'operator' ? { operator: true } : { teams: teams.map((team) => team.team) },
  );
  const summary = {
    runtime: client.info,
    teams,
    runsInFlight,
    unexpectedFiles,
    regions,
    deadLetters: { count: deadLetters.length, last: deadLetters.slice(-5) },
    notLandedFromShare: notLanded,
    lastErrors,
  };
  if (options.json) {
    printJson(summary);
    return EXIT.ok;
  }
  process.stdout.write(`Landfall runtime pid ${client.info.pid}, state ${client.info.stateDir}, share ${client.info.shareDir}\n\n`);
  process.stdout.write(
    `${formatTable(
      ['team', 'runs', ...STATUSES.map((status) => status.toLowerCase())],
      teams.map((team) => [team.team, team.runs.length, ...STATUSES.map((status) => team.counts[status])]),
    )}\n\n`,
  );
  if (runsInFlight.length > 0) {
    process.stdout.write(
      `runs in flight\n${formatTable(
        ['team', 'run', 'status', 'samples', 'waiting for', 'signal'],
        runsInFlight.map((run) => [
          run.team,
          run.runId,
          run.status,
          describeCounts(run.samples),
          run.waitingFor ?? (run.missing > 0 ? counted(run.missing, 'missing file') : ''),
          run.signal,
        ]),
      )}\n\n`,
    );
  } else process.stdout.write('runs in flight: none\n\n');
  if (unexpectedFiles.length > 0) {
    process.stdout.write(
      `unexpected files (kept in the landing bucket, not processed)\n${formatTable(
        ['team', 'run', 'files', 'first', 'why'],
        unexpectedFiles.map((run) => [run.team, run.runId, run.count, run.files[0]?.name, run.files[0]?.reason]),
      )}\n\n`,
    );
  }
  process.stdout.write(
    `${formatTable(
      ['region', 'vCPU quota', 'jobs running'],
      regions.map((region) => [`${region.region}${region.home ? ' (home)' : ''}`, region.vcpuQuota, region.runningJobs]),
    )}\n\n`,
  );
  process.stdout.write(
    `dead letters: ${deadLetters.length}${deadLetters.length ? ` (last: ${deadLetters.at(-1)!.rule}: ${deadLetters.at(-1)!.error})` : ''}\n`,
  );
  if (notLanded.count > 0) {
    const shown = notLanded.entries.slice(0, 10);
    process.stdout.write(
      `\nnot landed from the share: ${notLanded.count}${notLanded.count > shown.length ? ` (first ${shown.length}; --json lists all)` : ''}\n${formatTable(
        ['entry', 'why'],
        shown.map((entry) => [entry.path, entry.reason]),
      )}\n`,
    );
  }
  if (lastErrors.length > 0)
    process.stdout.write(
      `\nlast errors\n${formatTable(
        ['sample', 'status', 'at', 'detail'],
        lastErrors.map((error) => [error.sample, error.status, error.at, error.detail]),
      )}\n`,
    );
  return EXIT.ok;
}

/** `landfall samples [--team] [--status] [--run]`. */
export async function samplesCommand(options: CommonOptions & { team?: string; status?: string; run?: string }): Promise<number> {
  const client = await connectAs(options.stateDir, options.config, options.token);
  const samples = await allSamples(client, options);
  if (options.json) printJson(samples);
  else
    process.stdout.write(
      `${formatTable(
        ['sample', 'version', 'status', 'detail', 'updated'],
        samples.map((s) => [
          `${s.team}/${s.runId}/${s.sampleId}`,
          s.currentVersion ? `v${s.currentVersion}` : '',
          s.status,
          s.detail,
          s.updatedAt,
        ]),
      )}\n`,
    );
  return EXIT.ok;
}

/** Resolves `<team>/<run>/<sample>`, or a bare sample id when it is unique (else a usage error listing the candidates). */
async function resolveSample(client: IdentifiedClient, name: string): Promise<{ team: string; runId: string; sampleId: string }> {
  const parts = name.split('/');
  if (parts.length === 3 && parts.every(Boolean)) {
    assertCanRead(client.identity, parts[0]!);
    return { team: parts[0]!, runId: parts[1]!, sampleId: parts[2]! };
  }
  if (parts.length !== 1)
    throw new CliError(`name a sample as <team>/<run>/<sample> or a bare sample id, not ${JSON.stringify(name)}`, EXIT.usage);
  const matches = (await allSamples(client, {})).filter((sample) => sample.sampleId === name);
  if (matches.length === 0)
    throw new CliError(`no sample ${name}; name it as <team>/<run>/<sample> (npx landfall samples lists them)`, EXIT.failed);
  if (matches.length > 1)
    throw new CliError(
      `sample id ${name} is ambiguous: ${matches.map((m) => `${m.team}/${m.runId}/${m.sampleId}`).join(', ')}`,
      EXIT.usage,
    );
  return matches[0]!;
}

/** `landfall sample <team>/<run>/<sample>`: status, every version with its input files, steps and outputs. */
export async function sampleCommand(name: string, options: CommonOptions): Promise<number> {
  const client = await connectAs(options.stateDir, options.config, options.token);
  const ref = await resolveSample(client, name);
  const sample = await requireSample(client.catalog, ref);
  const versions = await client.catalog.samples.listVersions(ref);
  const lineage = await Promise.all(
    versions.map(async (version) => ({
      ...version,
      executions: await client.catalog.executions.list(version),
      steps: await client.catalog.steps.list(version),
    })),
  );
  if (options.json) {
    printJson({ sample, versions: lineage });
    return EXIT.ok;
  }
  process.stdout.write(`${ref.team}/${ref.runId}/${ref.sampleId}: ${sample.status} (${sample.detail ?? ''})\n`);
  for (const version of lineage) {
    process.stdout.write(
      `\nv${version.version} ${version.status}  hash ${version.versionHash.slice(0, 16)}…  execution ${version.executionName ?? '-'}\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['input', 'size', 'md5', 'reads'],
        version.files.map((file) => [file.key, file.size, file.md5, file.reads]),
      )}\n`,
    );
    for (const execution of version.executions) {
      process.stdout.write(
        `  execution g${execution.generation} ${execution.executionName} (${execution.reason ?? 'automatic'}${execution.rerunFrom ? ` from ${execution.rerunFrom}` : ''}, ${execution.pipeline}) started ${execution.startedAt}\n`,
      );
    }
    for (const reason of version.reasons ?? [])
      process.stdout.write(
        `  rejected: ${reason.file}${reason.line ? ` line ${reason.line}` : ''}: ${reason.message}${reason.code ? ` [${reason.code}]` : ''}\n`,
      );
    for (const step of version.steps) {
      const cost = step.cost ? `, ${step.cost.vcpuSeconds} vCPU-s ≈ ${formatUsd(step.cost.estimatedUsd)}` : '';
      process.stdout.write(
        `  step ${step.step}: ${step.status}${step.stopped ? ' (stopped: not its own failure)' : ''} in ${step.region}, attempt ${step.attempt ?? '-'}, job ${step.jobName}${cost}\n`,
      );
      // A failed step says why in the tool's own words: its last output lines.
      if (step.error) process.stdout.write(`    error: ${step.error}\n`);
      for (const line of step.logTail ?? []) process.stdout.write(`    | ${line}\n`);
      for (const output of step.outputs ?? []) process.stdout.write(`    ${output.key}  ${output.size} bytes  md5 ${output.md5}\n`);
    }
  }
  return EXIT.ok;
}
