import { services } from '../../functions/shared/services.ts';
import { reconcileRuns } from '../../functions/sweep/reconcileRuns.ts';

/**
 * The reconciliation sweep as its schedule rule runs it, with the services a harness installed: a runtime's
 * start-up sweep when `startup`, else a scheduled one; `startedAt` says when the process started (the embedded
 * runtime's sweeps carry it).
 */
export const sweep = async (startup = false, startedAt?: string) =>
  reconcileRuns(await services(), {
    version: '0',
    id: 's',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Scheduled Event',
    detail: { ...(startup && { startup: true }), ...(startedAt && { startedAt }) },
  } as Parameters<typeof reconcileRuns>[1]);
