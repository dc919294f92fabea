import { bucketNames } from '../../config/defineConfig.ts';
import { PUBLISHING_PREFIX } from '../../contracts/keys.ts';
import type { Services } from '../shared/services.ts';

/**
 * Deletes staged copies no publish will finish: those written before `cutoffMs`. A publish stages and
 * clears its files within one invocation, so anything older than the process start (embedded runtime)
 * or than an hour (AWS; a Lambda runs 15 minutes at most) was abandoned by a publish that died.
 * @returns how many objects were deleted.
 */
export async function clearAbandonedStaging(svc: Pick<Services, 'storage' | 'config'>, cutoffMs: number): Promise<number> {
  const results = bucketNames(svc.config).results;
  let cleared = 0;
  for (const object of await svc.storage.list(results, PUBLISHING_PREFIX)) {
    if (object.lastModified.getTime() >= cutoffMs) continue;
    await svc.storage.delete(results, object.key);
    cleared++;
  }
  return cleared;
}
