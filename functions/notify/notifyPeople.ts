import { failedStepOf } from '../catalog/Steps.ts';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import type { LandfallEventDetail } from '../../contracts/events/landfall.ts';
import { runIndexKey, runReportPrefix, teamPrefix } from '../../contracts/keys.ts';
import type { NotifyChannel, PersonMessage } from '../../seams/notify/Notifier.ts';
import type { NotifiedFailureKind, PendingFailure } from '../catalog/Notifications.ts';
import type { Services } from '../shared/services.ts';
import { samplesOfRunCompleted } from '../publishing/updateRunIndex.ts';
import { sumCosts } from '../workflow/jobCost.ts';
import { failureBatchMessage, runDoneMessage, type SampleOutcome } from './messages.ts';

/** A failure as a notification is about it: one version of one sample, rejected or failed. */
type FailureRef = Omit<PendingFailure, 'recordedAt'>;

/** The channels a team's people are reached on (`notify` in landfall.config.ts); none when it has no `notify`. */
export function channelsOf(config: Pick<LandfallConfig, 'teams'>, team: string): NotifyChannel[] {
  const notify = config.teams.find((each) => each.id === team)?.notify;
  return [...(notify?.email ? (['email'] as const) : []), ...(notify?.chat ? (['chat'] as const) : [])];
}

/** Whether any team of the config notifies people (the notify rules exist only then). */
export function anyTeamNotifies(config: Pick<LandfallConfig, 'teams'>): boolean {
  return config.teams.some((team) => channelsOf(config, team.id).length > 0);
}

/** One failure: one version of one sample, rejected or failed. */
function failureKey(failure: FailureRef): string {
  return `${failure.kind.toLowerCase()}:${failure.team}/${failure.runId}/${failure.sampleId}/v${failure.version}`;
}

/** The fact "this failure was told on this channel": claimed before the message goes, so it goes once. */
function failureFactKey(channel: NotifyChannel, failure: FailureRef): string {
  return `notify:${channel}:${failureKey(failure)}`;
}

/**
 * "Sample Rejected" / "Sample Failed": the failure waits for its run's batch (sent `batchSeconds` after the
 * run's first pending failure by the window's flush, or at once when the run completes sooner).
 */
export async function recordFailure(
  svc: Services,
  kind: NotifiedFailureKind,
  detail: Pick<LandfallEventDetail<'Sample Failed'>, 'team' | 'runId' | 'sampleId' | 'version'>,
) {
  if (channelsOf(svc.config, detail.team).length === 0) return { outcome: 'team-not-notified' };
  const recorded = await svc.catalog.notifications.recordPending({
    team: detail.team,
    runId: detail.runId,
    sampleId: detail.sampleId,
    version: detail.version,
    kind,
  });
  return { outcome: recorded ? 'pending' : 'already-pending' };
}

/** The sample as messages describe it, from the catalog: its status, its reasons, or its failing step and that step's last lines. */
async function outcomeOf(svc: Services, ref: { team: string; runId: string; sampleId: string; version?: number }, status: string) {
  const outcome: SampleOutcome = { sampleId: ref.sampleId, ...(ref.version !== undefined && { version: ref.version }), status };
  if (ref.version === undefined || (status !== 'REJECTED' && status !== 'FAILED')) return outcome;
  const versionRef = { team: ref.team, runId: ref.runId, sampleId: ref.sampleId, version: ref.version };
  const version = await svc.catalog.samples.getVersion(versionRef);
  if (status === 'REJECTED') {
    const quarantine = bucketNames(svc.config).quarantine;
    return {
      ...outcome,
      reasons: version?.reasons ?? [],
      ...(version?.reasonCount !== undefined && { reasonCount: version.reasonCount }),
      ...(version?.reasonsKey && { reasonsAt: `s3://${quarantine}/${version.reasonsKey}` }),
    };
  }
  const failedStep = failedStepOf(await svc.catalog.steps.list(versionRef));
  return {
    ...outcome,
    ...(failedStep && { failedStep: failedStep.step }),
    error: failedStep?.error ?? version?.error ?? 'no reason recorded',
    ...(failedStep?.logTail && { logTail: failedStep.logTail }),
  };
}

/**
 * Sends one message on one channel exactly once per fact: each fact is claimed first (the Facts claim, so
 * of racing senders one wins each), the message covers what this process won, and the claims are marked
 * published after it went out or released when it did not (a retry sends them).
 */
async function sendClaimed<T>(
  svc: Services,
  channel: NotifyChannel,
  items: readonly T[],
  factKey: (item: T) => string,
  compose: (won: T[]) => Promise<PersonMessage>,
): Promise<number> {
  const won: T[] = [];
  for (const item of items) if (await svc.catalog.facts.claim(factKey(item), 'Notification')) won.push(item);
  if (won.length === 0) return 0;
  try {
    await svc.notifier.send(channel, await compose(won));
  } catch (error) {
    for (const item of won) await svc.catalog.facts.release(factKey(item));
    throw error;
  }
  for (const item of won) await svc.catalog.facts.markPublished(factKey(item));
  return 1;
}

/**
 * Composes a message once for all channels: every channel says the same thing, even when the catalog moves on
 * between two deliveries (a sibling job's cost recorded after the run ended). Keyed by what a channel won.
 */
function composedOnce<T>(key: (won: T[]) => string, compose: (won: T[]) => Promise<PersonMessage>) {
  const composed = new Map<string, Promise<PersonMessage>>();
  return (won: T[]) => {
    const wonKey = key(won);
    let message = composed.get(wonKey);
    if (!message) composed.set(wonKey, (message = compose(won)));
    return message;
  };
}

/** One message per channel about these failures of one run (those not told yet), then they stop pending. */
async function sendFailureBatch(svc: Services, team: string, runId: string, failures: readonly FailureRef[]): Promise<number> {
  let sent = 0;
  const compose = composedOnce<FailureRef>(
    (won) => won.map(failureKey).join('\n'),
    async (won) => failureBatchMessage(team, runId, await Promise.all(won.map((failure) => outcomeOf(svc, failure, failure.kind)))),
  );
  for (const channel of channelsOf(svc.config, team)) {
    sent += await sendClaimed(svc, channel, failures, (failure) => failureFactKey(channel, failure), compose);
  }
  // Every channel sent (or another process claimed) each of them: none is pending any more.
  for (const failure of failures) await svc.catalog.notifications.removePending(failure);
  return sent;
}

/**
 * The batch window's flush (schedule `notify-batch-window`): each run whose oldest pending failure waited
 * `notifications.batchSeconds` gets one message per channel with all its pending failures, and run-DONE
 * messages refused earlier are sent again.
 */
export async function flushDueFailures(svc: Services, now = Date.now()) {
  const windowMs = svc.config.notifications.batchSeconds * 1000;
  const byRun = new Map<string, PendingFailure[]>();
  for (const failure of await svc.catalog.notifications.listPending()) {
    const key = `${failure.team}\u0000${failure.runId}`;
    byRun.set(key, [...(byRun.get(key) ?? []), failure]);
  }
  let messages = 0;
  // Run-DONE messages that were refused before: sent again (each channel at most once, by its claim).
  for (const run of await svc.catalog.notifications.listDoneRetries()) messages += (await notifyRunDone(svc, run)).messages ?? 0;
  for (const failures of byRun.values()) {
    const oldest = Math.min(...failures.map((failure) => Date.parse(failure.recordedAt)));
    if (oldest + windowMs > now) continue;
    messages += await sendFailureBatch(svc, failures[0]!.team, failures[0]!.runId, failures);
  }
  return { outcome: messages > 0 ? 'sent' : 'nothing-due', messages };
}

/**
 * "Run Completed": first the run's failures not told yet (its batch goes now: nothing more will come),
 * then one run-DONE message per channel, once per "Run Completed" fact.
 */
export async function notifyRunDone(svc: Services, event: LandfallEventDetail<'Run Completed'>) {
  // A run of more samples than the event names is told whole, from its index.
  const run = { ...event, samples: await samplesOfRunCompleted(svc, event) };
  const { team, runId } = run;
  const channels = channelsOf(svc.config, team);
  if (channels.length === 0) return { outcome: 'team-not-notified' };
  // From the catalog as well as the pending items: a failure whose own event has not reached the notifier
  // yet is still in this batch (its pending item, recorded later, then finds its facts claimed).
  const failures = new Map<string, FailureRef>();
  for (const sample of run.samples)
    if ((sample.status === 'REJECTED' || sample.status === 'FAILED') && sample.version !== undefined)
      failures.set(`${sample.sampleId}#${sample.version}#${sample.status}`, {
        team,
        runId,
        sampleId: sample.sampleId,
        version: sample.version,
        kind: sample.status,
      });
  for (const pending of await svc.catalog.notifications.listPendingInRun(team, runId))
    failures.set(`${pending.sampleId}#${pending.version}#${pending.kind}`, pending);
  // Pending first: if the batch is refused, the window's flush sends it (nothing is lost with a failed delivery).
  for (const failure of failures.values()) await svc.catalog.notifications.recordPending(failure);
  let messages = failures.size > 0 ? await sendFailureBatch(svc, team, runId, [...failures.values()]) : 0;

  const results = bucketNames(svc.config).results;
  const where = {
    outputs: `s3://${results}/${teamPrefix(team)}runs/${runId}/`,
    index: `s3://${results}/${runIndexKey(team, runId)}`,
    report: `s3://${results}/${runReportPrefix(team, runId)}report.html`,
  };
  const compose = composedOnce<string>(
    () => run.dedupeKey,
    async () => {
      const samples = await Promise.all(run.samples.map((sample) => outcomeOf(svc, { team, runId, ...sample }, sample.status)));
      const costs = (
        await Promise.all(run.samples.map((sample) => svc.catalog.costs.listForSample({ team, runId, sampleId: sample.sampleId })))
      ).flat();
      return runDoneMessage(team, runId, samples, where, sumCosts(costs.map((item) => ({ ...item.cost, status: item.status }))));
    },
  );
  try {
    for (const channel of channels) {
      messages += await sendClaimed(svc, channel, [run.dedupeKey], (dedupeKey) => `notify:${channel}:done:${dedupeKey}`, compose);
    }
  } catch (error) {
    // Kept for the batch window's flush: a "Run Completed" whose retries are used up still gets its message.
    await svc.catalog.notifications.recordDoneRetry(run);
    throw error;
  }
  await svc.catalog.notifications.removeDoneRetry(run);
  return { outcome: messages > 0 ? 'sent' : 'already-sent', messages };
}
