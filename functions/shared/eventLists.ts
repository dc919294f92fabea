/**
 * Names an event lists at most, with a count beside them saying how many there are: a sample of thousands
 * of files, or a step of thousands of outputs, would make an event larger than a team's SNS topic takes
 * (256 KB; EventBridge itself takes 1 MB since January 2026) and than the outbox's catalog item holds (400 KB).
 * The whole list is where the event points (the catalog, the sample's manifest).
 */
export const LISTED_IN_EVENT = 100;

/** `keys` as an event carries them: all, or the first {@link LISTED_IN_EVENT} and `keyCount`. */
export function listedKeys(keys: readonly string[]): { keys: string[]; keyCount?: number } {
  return keys.length > LISTED_IN_EVENT ? { keys: keys.slice(0, LISTED_IN_EVENT), keyCount: keys.length } : { keys: [...keys] };
}

/**
 * Samples a "Run Completed" names at most, with `sampleCount` beside them when the run has more (index.json lists
 * every one): ~57 bytes each, so 1,000 stay a quarter of a team's SNS message beside its 100 keys, and every run
 * up to 1,000 samples is named whole. Unbounded, a run of ~4,500 samples outgrew a team's SNS message (256 KB),
 * so its team was never sent the run's end, and one of ~7,200 the outbox's catalog item (400 KB), so the run was
 * never announced at all (measured: 7,000 samples made a 399 KB event).
 */
export const RUN_SAMPLES_LISTED = 1000;
