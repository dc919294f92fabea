import { replayEvents } from '../../functions/landing/replayObjects.ts';
import { CliError, EXIT } from '../errors.ts';
import { counted, plural, printJson } from '../output.ts';
import { selectTeams } from '../../runtime/identity/identity.ts';
import { connectAs, controlRequest, putEvents } from '../runtimeClient.ts';

export interface ActOptions {
  stateDir: string;
  config?: string;
  json?: boolean;
  /** A team token or the operator's; else LANDFALL_TOKEN; else the operator (runtime/identity/identity.ts). A team acts on its own team only. */
  token?: string;
}

/**
 * `landfall reprocess <team>/<run>/<sample> [--from-step s] [--pipeline p] [--urgent]` or `--run <team>/<run>`:
 * re-runs landed data without re-uploading, as a new linked execution per sample; `--urgent` runs its
 * jobs ahead of the backlog.
 */
export async function reprocessCommand(
  target: string | undefined,
  options: ActOptions & { run?: string; fromStep?: string; pipeline?: string; urgent?: boolean },
): Promise<number> {
  const name = options.run ?? target;
  if (!name || (options.run && target))
    throw new CliError('name one sample as <team>/<run>/<sample>, or a whole run with --run <team>/<run>', EXIT.usage);
  const parts = name.split('/');
  if (!parts.every(Boolean) || parts.length !== (options.run ? 2 : 3))
    throw new CliError(`expected ${options.run ? '<team>/<run>' : '<team>/<run>/<sample>'}, got ${JSON.stringify(name)}`, EXIT.usage);
  const [team, runId, sampleId] = parts as [string, string, string | undefined];
  const client = await connectAs(options.stateDir, options.config, options.token);
  // The same rule as the read commands: a team token is refused another team (in the same words whether
  // or not it exists) before anything about that team is looked up.
  selectTeams(client.identity, client.config, team);
  // The control API checks the request (functions/operate/checkReprocess.ts) before accepting it: an unknown
  // step, pipeline or sample, or a sample that cannot be reprocessed, is exit 1 with the reason, not a dead letter.
  const answer = await controlRequest<{
    accepted: Record<string, unknown>;
    reprocess: string[];
    skipped: Array<{ sampleId: string; reason: string }>;
  }>(
    client,
    {
      method: 'POST',
      path: '/reprocess',
      body: {
        team,
        runId,
        ...(sampleId && { sampleId }),
        ...(options.fromStep && { fromStep: options.fromStep }),
        ...(options.pipeline && { pipeline: options.pipeline }),
        ...(options.urgent && { urgent: true }),
      },
    },
    options.token,
  );
  if (options.json) printJson({ requested: answer.accepted, reprocess: answer.reprocess, skipped: answer.skipped });
  else {
    const count = answer.reprocess.length;
    process.stdout.write(
      `${options.urgent ? 'urgent ' : ''}reprocess accepted for ${sampleId ? name : `${count} ${plural(count, 'sample')} of ${name}`}${options.fromStep ? ` from step ${options.fromStep}` : ''}; follow it with: npx landfall sample${sampleId ? ` ${name}` : `s --team ${team} --run ${runId}`} --state-dir ${options.stateDir}\n`,
    );
    for (const skip of answer.skipped) process.stdout.write(`  skipped ${skip.sampleId}: ${skip.reason}\n`);
  }
  return EXIT.ok;
}

/**
 * `landfall replay --since <ISO-8601> [--team t]`: re-drives every landed object changed since then as
 * an "Object Replayed" event (the same in AWS, where PutEvents refuses `aws.*` sources); what the catalog
 * already has is a no-op, what it missed is processed.
 */
export async function replayCommand(options: ActOptions & { since: string; team?: string }): Promise<number> {
  const since = Date.parse(options.since);
  if (Number.isNaN(since) || !/^\d{4}-\d{2}-\d{2}/.test(options.since))
    throw new CliError(`--since expects an ISO-8601 time such as 2026-11-23T08:00:00Z, got ${JSON.stringify(options.since)}`, EXIT.usage);
  const client = await connectAs(options.stateDir, options.config, options.token);
  // A team token replays its own team's objects only; the operator every team's, or the one named.
  const teams = selectTeams(client.identity, client.config, options.team);
  const events = await replayEvents(client.storage, client.config, { teams, since: new Date(since) });
  if (events.length > 0) await putEvents(client, events, options.token);
  if (options.json) printJson({ replayed: events.length, since: new Date(since).toISOString(), teams });
  else
    process.stdout.write(
      `replayed ${counted(events.length, 'landed object')} since ${new Date(since).toISOString()}; already-cataloged versions are a no-op\n`,
    );
  return EXIT.ok;
}

/**
 * `landfall cancel <team>/<run>[/<sample>]`: stops the sample's (or the run's samples') executions and jobs and
 * marks them CANCELLED through the control API (functions/operate/cancelSamples.ts); nothing further is published
 * for them, and `landfall reprocess` restarts them. A finished sample is skipped with the reason.
 */
export async function cancelCommand(target: string, options: ActOptions): Promise<number> {
  const parts = target.split('/');
  if (!parts.every(Boolean) || (parts.length !== 2 && parts.length !== 3))
    throw new CliError(`expected <team>/<run> or <team>/<run>/<sample>, got ${JSON.stringify(target)}`, EXIT.usage);
  const [team, runId, sampleId] = parts as [string, string, string | undefined];
  const client = await connectAs(options.stateDir, options.config, options.token);
  selectTeams(client.identity, client.config, team);
  const result = await controlRequest<{
    cancelled: Array<{ sampleId: string; version: number; terminatedJobs: string[]; heldJobs: string[] }>;
    skipped: Array<{ sampleId: string; reason: string }>;
  }>(client, { method: 'POST', path: '/cancel', body: { team, runId, ...(sampleId && { sampleId }) } }, options.token);
  if (options.json) printJson(result);
  else {
    for (const sample of result.cancelled) {
      const jobs = sample.terminatedJobs.length + sample.heldJobs.length;
      process.stdout.write(`cancelled ${team}/${runId}/${sample.sampleId} v${sample.version} (${counted(jobs, 'job')} stopped)\n`);
    }
    for (const skip of result.skipped) process.stdout.write(`  skipped ${skip.sampleId}: ${skip.reason}\n`);
    process.stdout.write(
      `restart with: npx landfall reprocess ${sampleId ? target : `--run ${team}/${runId}`} --state-dir ${options.stateDir}\n`,
    );
  }
  return EXIT.ok;
}
