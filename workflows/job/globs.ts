import picomatch from 'picomatch';

/**
 * Whether a path relative to a step folder matches any of a step's globs (`outputs`, `stageIn`): picomatch, with
 * dot files included (`*` matches `.summary.json`: a tool's hidden output is not silently left behind).
 */
export function globMatcher(globs: readonly string[]): (relative: string) => boolean {
  return picomatch([...globs], { dot: true });
}
