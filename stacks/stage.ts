/**
 * Stages whose resources outlive `sst remove`: everything is kept and the stage is protected.
 * Every other stage still keeps its data (buckets, tables, keys); see `removalFor`.
 */
export const permanentStages: readonly string[] = ['production'];

/** True for a stage listed in {@link permanentStages}. */
export function isPermanentStage(stage: string): boolean {
  return permanentStages.includes(stage);
}

/**
 * SST removal policy of a stage. `retain` (not `remove`) on temporary stages: lab data must
 * never disappear with a stage, so SST keeps buckets and tables and removes the rest.
 *
 * @example
 * removalFor('production'); // 'retain-all'
 * removalFor('alice');      // 'retain'
 */
export function removalFor(stage: string): 'retain' | 'retain-all' {
  return isPermanentStage(stage) ? 'retain-all' : 'retain';
}
