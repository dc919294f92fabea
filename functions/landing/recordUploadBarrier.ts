import type { StorageGatewayFileUploadEvent } from '../../contracts/events/storage-gateway.ts';
import { evaluateRun } from './evaluateRun.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * "Storage Gateway File Upload Event" (after NotifyWhenUploaded): everything written to the team's share
 * before the request is in S3. Every run of that team still receiving files records the barrier and is
 * re-evaluated; completeness accepts it as the copy-complete signal once it covers every landed file.
 */
export async function recordUploadBarrier(svc: Services, event: StorageGatewayFileUploadEvent) {
  const team = svc.config.teams.find((candidate) => candidate.fileShareArn && event.resources.includes(candidate.fileShareArn));
  if (!team) {
    logger.warn('upload barrier for a file share no team maps to', { resources: event.resources });
    return { outcome: 'ignored', reason: 'no team has this fileShareArn' };
  }
  let runs = 0;
  for (const run of await svc.catalog.runs.listForTeam(team.id)) {
    if (run.status !== 'RECEIVING') continue;
    await svc.catalog.runs.update(team.id, run.runId, { barrierAt: event.detail.completed });
    await evaluateRun(svc, team.id, run.runId);
    runs++;
  }
  return { outcome: 'recorded', runs };
}
