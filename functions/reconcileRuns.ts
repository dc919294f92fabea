import { ScheduledEvent } from '../events/schemas/scheduled.ts';
import { evaluateRun } from './landing/evaluateRun.ts';
import { releaseDeferredJobs } from './workflow/earlySteps.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/**
 * The reconciliation sweep (a schedule rule in AWS, a timer on the embedded runtime): re-evaluates every
 * run still receiving files, so time-based signals fire — an RTAComplete settle window, a manifest or
 * marker deadline — and a missed landing event costs latency, never a run.
 */
export async function reconcileRuns(_event: ScheduledEvent) {
  const svc = await services();
  let evaluated = 0;
  for (const team of svc.config.teams) {
    for (const run of await svc.catalog.listRuns(team.id)) {
      // Safety net: later steps held behind early ones are released even if a release was missed.
      if (run.status === 'COMPLETE') await releaseDeferredJobs(svc, team.id, run.runId);
      if (run.status !== 'RECEIVING') continue;
      await evaluateRun(svc, team.id, run.runId);
      evaluated++;
    }
  }
  return { outcome: evaluated > 0 ? 'evaluated' : 'idle', evaluated };
}

export const handler = lambdaHandler(reconcileRuns, ScheduledEvent);
