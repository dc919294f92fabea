import { randomUUID } from 'node:crypto';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import { landingKey, landingTeamPrefix, parseLandingKey } from '../../contracts/keys.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';

/** Which landed objects to re-drive: the teams' objects changed at or after `since`, or only one run's. */
export interface ReplaySelection {
  teams: string[];
  since: Date;
  /** Only this run's objects (the dashboard's "replay run"); every run of the teams when absent. */
  runId?: string;
}

/**
 * One "Object Replayed" event per landed object selected (`landfall replay` and the dashboard's replay):
 * what the catalog already has is a no-op downstream, what it missed is processed. One replay id per call
 * in the dedupe keys, so replaying again later is not dropped as a repeat of this one.
 */
export async function replayEvents(
  storage: Pick<ObjectStorage, 'list'>,
  config: LandfallConfig,
  selection: ReplaySelection,
): Promise<Array<ReturnType<typeof landfallEvent<'Object Replayed'>>>> {
  const landing = bucketNames(config).landing;
  const replayId = randomUUID();
  const events = [];
  for (const team of selection.teams) {
    // A run's objects share its key prefix: list only those when one run is asked for.
    const prefix = selection.runId ? landingKey(team, selection.runId, '') : landingTeamPrefix(team);
    for (const object of await storage.list(landing, prefix)) {
      const where = parseLandingKey(object.key);
      if (object.lastModified.getTime() < selection.since.getTime() || !where) continue;
      if (selection.runId && where.runId !== selection.runId) continue;
      const etag = object.etag.replaceAll('"', '');
      events.push(
        landfallEvent('Object Replayed', {
          team: where.team,
          runId: where.runId,
          bucket: landing,
          key: object.key,
          size: object.size,
          etag,
          dedupeKey: `replay:${object.key}:${etag}:${replayId}`,
        }),
      );
    }
  }
  return events;
}
