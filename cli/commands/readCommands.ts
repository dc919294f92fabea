import { readFile } from 'node:fs/promises';
import { bucketNames } from '../../config/defineConfig.ts';
import type { SampleRecord, SampleStatus } from '../../functions/catalog/types.ts';
import { teamPrefix } from '../../functions/publishing/resultKeys.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatTable, printJson } from '../output.ts';
import { connectToRuntime, type RuntimeClient } from '../runtimeClient.ts';

const STATUSES: SampleStatus[] = ['RECEIVING', 'VALIDATING', 'REJECTED', 'READY', 'RUNNING', 'COMPLETED', 'FAILED', 'SUPERSEDED'];

export interface CommonOptions {
  stateDir: string;
  config?: string;
  json?: boolean;
}

function teamsOf(client: RuntimeClient, team?: string): string[] {
  const known = client.config.teams.map((candidate) => candidate.id);
  if (team && !known.includes(team)) throw new CliError(`unknown team ${team} (teams: ${known.join(', ')})`, EXIT.usage);
  return team ? [team] : known;
}

async function allSamples(client: RuntimeClient, filter: { team?: string; status?: string; run?: string }): Promise<SampleRecord[]> {
  if (filter.status && !STATUSES.includes(filter.status as SampleStatus)) throw new CliError(`unknown status ${filter.status} (one of ${STATUSES.join(', ')})`, EXIT.usage);
  const samples = [];
  for (const team of teamsOf(client, filter.team)) {
    const list = filter.run ? await client.catalog.listRunSamples(team, filter.run) : await client.catalog.listTeamSamples(team, filter.status as SampleStatus | undefined);
    samples.push(...list.filter((sample) => !filter.status || sample.status === filter.status));
  }
  return samples.sort((a, b) => `${a.team}/${a.runId}/${a.sampleId}`.localeCompare(`${b.team}/${b.runId}/${b.sampleId}`));
}

/** `landfall status`: one screen — runs in flight, samples by status per team, dead letters. */
export async function statusCommand(options: CommonOptions): Promise<number> {
  const client = await connectToRuntime(options.stateDir, options.config);
  const teams = [];
  for (const team of teamsOf(client)) {
    const runs = await client.catalog.listRuns(team);
    const samples = await client.catalog.listTeamSamples(team);
    const counts = Object.fromEntries(STATUSES.map((status) => [status, samples.filter((sample) => sample.status === status).length]));
    teams.push({ team, runs: runs.map((run) => ({ runId: run.runId, status: run.status, missing: run.missing?.length ?? 0 })), counts });
  }
  const deadLetters = await readFile(`${stateLayout(options.stateDir).bus}/dead-letters.jsonl`, 'utf8')
    .then((text) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { rule: string; error: string; at: string }))
    .catch(() => []);
  const summary = { runtime: client.info, teams, deadLetters: { count: deadLetters.length, last: deadLetters.slice(-5) } };
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
  const runs = teams.flatMap((team) => team.runs.map((run) => [team.team, run.runId, run.status, run.missing]));
  if (runs.length > 0) process.stdout.write(`${formatTable(['team', 'run', 'status', 'missing files'], runs)}\n\n`);
  process.stdout.write(`dead letters: ${deadLetters.length}${deadLetters.length ? ` (last: ${deadLetters.at(-1)!.rule}: ${deadLetters.at(-1)!.error})` : ''}\n`);
  return EXIT.ok;
}

/** `landfall samples [--team] [--status] [--run]`. */
export async function samplesCommand(options: CommonOptions & { team?: string; status?: string; run?: string }): Promise<number> {
  const client = await connectToRuntime(options.stateDir, options.config);
  const samples = await allSamples(client, options);
  if (options.json) printJson(samples);
  else process.stdout.write(`${formatTable(['sample', 'version', 'status', 'detail', 'updated'], samples.map((s) => [`${s.team}/${s.runId}/${s.sampleId}`, s.currentVersion ? `v${s.currentVersion}` : '', s.status, s.detail, s.updatedAt]))}\n`);
  return EXIT.ok;
}

/** Resolves `<team>/<run>/<sample>`, or a bare sample id when it is unique (else a usage error listing the candidates). */
async function resolveSample(client: RuntimeClient, name: string): Promise<{ team: string; runId: string; sampleId: string }> {
  const parts = name.split('/');
  if (parts.length === 3 && parts.every(Boolean)) return { team: parts[0]!, runId: parts[1]!, sampleId: parts[2]! };
  if (parts.length !== 1) throw new CliError(`name a sample as <team>/<run>/<sample> or a bare sample id, not ${JSON.stringify(name)}`, EXIT.usage);
  const matches = (await allSamples(client, {})).filter((sample) => sample.sampleId === name);
  if (matches.length === 0) throw new CliError(`no sample ${name}`, EXIT.failed);
  if (matches.length > 1) throw new CliError(`sample id ${name} is ambiguous: ${matches.map((m) => `${m.team}/${m.runId}/${m.sampleId}`).join(', ')}`, EXIT.usage);
  return matches[0]!;
}

/** `landfall sample <team>/<run>/<sample>`: status, every version with its input files, steps and outputs. */
export async function sampleCommand(name: string, options: CommonOptions): Promise<number> {
  const client = await connectToRuntime(options.stateDir, options.config);
  const ref = await resolveSample(client, name);
  const sample = await client.catalog.getSample(ref);
  if (!sample) throw new CliError(`no sample ${ref.team}/${ref.runId}/${ref.sampleId}`, EXIT.failed);
  const versions = await client.catalog.listVersions(ref);
  const lineage = await Promise.all(versions.map(async (version) => ({ ...version, steps: await client.catalog.listSteps(version) })));
  if (options.json) {
    printJson({ sample, versions: lineage });
    return EXIT.ok;
  }
  process.stdout.write(`${ref.team}/${ref.runId}/${ref.sampleId}: ${sample.status} (${sample.detail ?? ''})\n`);
  for (const version of lineage) {
    process.stdout.write(`\nv${version.version} ${version.status}  hash ${version.versionHash.slice(0, 16)}…  execution ${version.executionName ?? '-'}\n`);
    process.stdout.write(`${formatTable(['input', 'size', 'md5', 'reads'], version.files.map((file) => [file.key, file.size, file.md5, file.reads]))}\n`);
    for (const reason of version.reasons ?? []) process.stdout.write(`  rejected: ${reason.file}${reason.line ? ` line ${reason.line}` : ''}: ${reason.message}\n`);
    for (const step of version.steps) {
      process.stdout.write(`  step ${step.step}: ${step.status} in ${step.region}, attempt ${step.attempt ?? '-'}, job ${step.jobName}\n`);
      for (const output of step.outputs ?? []) process.stdout.write(`    ${output.key}  ${output.size} bytes  md5 ${output.md5}\n`);
    }
  }
  return EXIT.ok;
}

/** `landfall outputs --team <t> [--run <r>]`: what a team can fetch now, from the results bucket. */
export async function outputsCommand(options: CommonOptions & { team: string; run?: string }): Promise<number> {
  const client = await connectToRuntime(options.stateDir, options.config);
  teamsOf(client, options.team);
  const prefix = `${teamPrefix(options.team)}${options.run ? `runs/${options.run}/` : ''}`;
  const objects = await client.storage.list(bucketNames(client.config).results, prefix);
  const rows = objects.map((object) => ({ key: object.key, size: object.size, lastModified: object.lastModified.toISOString(), path: `${stateLayout(options.stateDir).buckets}/${object.bucket}/${object.key}` }));
  if (options.json) printJson(rows);
  else process.stdout.write(rows.length ? `${formatTable(['key', 'size', 'published'], rows.map((row) => [row.key, row.size, row.lastModified]))}\n` : `no outputs under ${prefix} yet\n`);
  return EXIT.ok;
}
