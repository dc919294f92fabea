/** File system errors that mean "no room left": the disk is full, or the user's quota is used up. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT']);

/** Whether `error` (or an error in its `cause` chain) says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (NO_ROOM.has((current as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/**
 * The one line `landfall up` prints when it stops on a full disk: what happened, where, and what to do.
 *
 * @example diskFullMessage('/srv/landfall', '/srv/landfall/bus/events.jsonl', 'ENOSPC')
 */
export function diskFullMessage(stateDir: string, file: string, code = 'ENOSPC'): string {
  return (
    `stopped: the disk holding ${stateDir} is full (${code} writing ${file}). Free space on it, then run landfall up again: ` +
    'nothing is lost — facts not yet sent are relayed and unfinished work resumes at the next start.'
  );
}
