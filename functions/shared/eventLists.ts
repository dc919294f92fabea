/**
 * Names an event lists at most, with a count beside them saying how many there are: a sample of thousands
 * of files, or a step of thousands of outputs, would make an entry larger than EventBridge accepts (256 KB).
 * The whole list is where the event points (the catalog, the sample's manifest).
 */
export const LISTED_IN_EVENT = 100;

/** `keys` as an event carries them: all, or the first {@link LISTED_IN_EVENT} and `keyCount`. */
export function listedKeys(keys: readonly string[]): { keys: string[]; keyCount?: number } {
  return keys.length > LISTED_IN_EVENT ? { keys: keys.slice(0, LISTED_IN_EVENT), keyCount: keys.length } : { keys: [...keys] };
}
