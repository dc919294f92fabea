import { ScheduledEvent } from '../contracts/events/scheduled.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { reconcileRuns } from './sweep/reconcileRuns.ts';

/** Schedule `reconcile-runs` (the sweep; at the embedded runtime's start too) → {@link reconcileRuns}. */
export const handler = lambdaHandler(async (event) => reconcileRuns(await services(), event), ScheduledEvent);
