import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import type { Services } from '../../functions/shared/services.ts';
import { replayEvents } from '../../functions/landing/replayObjects.ts';
import { cancelSamples } from '../../functions/operate/cancelSamples.ts';
import { checkReprocess } from '../../functions/operate/checkReprocess.ts';
import { RequestError } from '../../functions/operate/errors.ts';
import { requireRun, requireTeam } from '../../functions/operate/lookup.ts';

/** What the dashboard's actions talk to: the catalog and config to check a request, the bus to send it, the landing bucket to replay. */
export type ActionServices = Pick<Services, 'config' | 'catalog' | 'events' | 'storage'>;

/**
 * Everything the dashboard uses beyond reading the catalog: actions, downloads, step logs (`jobs`, `jobLogs`),
 * and cancel (the runtime's whole {@link Services}: it stops executions and jobs and indexes the run).
 */
export type DashboardServices = ActionServices & Partial<Omit<Services, keyof ActionServices>>;

const Name = z.string().min(1).max(256);
/** The body each action accepts: the same fields as the CLI's arguments. */
export const ActionRequests = {
  reprocess: z.object({ team: Name, runId: Name, sampleId: Name, fromStep: Name.optional() }).strict(),
  replay: z.object({ team: Name, runId: Name }).strict(),
  cancel: z.object({ team: Name, runId: Name, sampleId: Name.optional() }).strict(),
} as const;
export type DashboardAction = keyof typeof ActionRequests;

export interface ActionResult {
  /** What was asked for, in the words the page shows. */
  message: string;
}

/**
 * Runs one dashboard action for the operator with the CLI's own checks (functions/operate/), then puts the
 * same event on the bus the CLI would: "Reprocess Requested" for reprocess, "Object Replayed" per landed
 * object of the run for replay; cancel is `landfall cancel`'s own cancelSamples. A request the checks refuse
 * throws their RequestError, and nothing is done.
 */
export async function performAction(svc: DashboardServices, action: DashboardAction, body: unknown): Promise<ActionResult> {
  if (action === 'reprocess') {
    const request = ActionRequests.reprocess.parse(body);
    await checkReprocess(svc, request);
    await svc.events.publish([landfallEvent('Reprocess Requested', { ...request, dedupeKey: `reprocess:${randomUUID()}` })]);
    return {
      message: `Reprocess requested for ${request.team}/${request.runId}/${request.sampleId}${request.fromStep ? ` from step ${request.fromStep}` : ''}.`,
    };
  }
  if (action === 'cancel') {
    const request = ActionRequests.cancel.parse(body);
    if (!isWholeServices(svc))
      throw new RequestError('refused', 'this dashboard cannot cancel: it runs without the job and workflow services');
    const result = await cancelSamples(svc, { ...request, by: 'the operator (dashboard)' });
    const target = `${request.team}/${request.runId}${request.sampleId ? `/${request.sampleId}` : ''}`;
    return {
      message: `Cancelled ${result.cancelled.length === 1 ? '1 sample' : `${result.cancelled.length} samples`} of ${target}${
        result.skipped.length > 0
          ? ` (${result.skipped.length} not on its way, left as ${result.skipped.length === 1 ? 'it is' : 'they are'})`
          : ''
      }.`,
    };
  }
  const request = ActionRequests.replay.parse(body);
  requireTeam(svc.config, request.team);
  await requireRun(svc.catalog, request.team, request.runId);
  const events = await replayEvents(svc.storage, svc.config, { teams: [request.team], runId: request.runId, since: new Date(0) });
  // PutEvents takes at most 10 entries a call, as the control API does.
  for (let start = 0; start < events.length; start += 10) await svc.events.publish(events.slice(start, start + 10));
  return {
    message: `Replayed ${events.length} landed object${events.length === 1 ? '' : 's'} of ${request.team}/${request.runId}; what the catalog already has is a no-op.`,
  };
}

/** Whether the runtime gave the dashboard all of its services (the embedded runtime does; a read-only dashboard does not). */
function isWholeServices(svc: DashboardServices): svc is Services {
  return svc.jobs !== undefined && svc.workflows !== undefined && svc.metrics !== undefined && svc.capacity !== undefined;
}
