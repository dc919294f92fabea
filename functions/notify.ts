import { z } from 'zod';
import { ScheduledEvent } from '../contracts/events/scheduled.ts';
import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { flushDueFailures, notifyRunDone, recordFailure } from './notify/notifyPeople.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

const NotifyEvent = z.union([
  eventEnvelope(LANDFALL_SOURCE, 'Sample Rejected', landfallEventDetails['Sample Rejected']),
  eventEnvelope(LANDFALL_SOURCE, 'Sample Failed', landfallEventDetails['Sample Failed']),
  eventEnvelope(LANDFALL_SOURCE, 'Run Completed', landfallEventDetails['Run Completed']),
  ScheduledEvent,
]);

/**
 * Rules `notify-failures` ("Sample Rejected"/"Sample Failed": wait for the run's batch), `notify-run-done`
 * ("Run Completed": the run's batch now, then the DONE message) and the schedule `notify-batch-window`
 * (batches whose window passed) → functions/notify/notifyPeople.ts.
 */
export const handler = lambdaHandler(async (event) => {
  const svc = await services();
  switch (event['detail-type']) {
    case 'Sample Rejected':
      return recordFailure(svc, 'REJECTED', event.detail);
    case 'Sample Failed':
      return recordFailure(svc, 'FAILED', event.detail);
    case 'Run Completed':
      return notifyRunDone(svc, event.detail);
    default:
      return flushDueFailures(svc);
  }
}, NotifyEvent);
