import { randomUUID } from 'node:crypto';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import { landingKey, landingTeamPrefix, parseLandingKey } from '../../contracts/keys.ts';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';

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
      events.push(objectReplayed(object, (etag) => `replay:${object.key}:${etag}:${replayId}`));
    }
  }
  return events;
}

/**
 * "Object Replayed" for a landed object (its key under `incoming/<team>/<run>/`): how a landed object is announced
 * again, by an operator (`landfall replay`) or by the sweep (`redrive`), since PutEvents refuses S3's own source.
 * `dedupeKeyOf` gets the object's ETag without quotes.
 */
export function objectReplayed(
  object: Pick<ObjectInfo, 'bucket' | 'key' | 'size' | 'etag'>,
  dedupeKeyOf: (etag: string) => string,
  options: { redrive?: true } = {},
): ReturnType<typeof landfallEvent<'Object Replayed'>> {
  const where = parseLandingKey(object.key);
  if (!where) throw new Error(`${object.key} is not a landed object's key (incoming/<team>/<run>/<file>)`);
  const etag = object.etag.replaceAll('"', '');
  return landfallEvent('Object Replayed', {
    team: where.team,
    runId: where.runId,
    bucket: object.bucket,
    key: object.key,
    size: object.size,
    etag,
    ...options,
    dedupeKey: dedupeKeyOf(etag),
  });
}
