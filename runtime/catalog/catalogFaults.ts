import { existsSync, renameSync, writeFileSync } from 'node:fs';
import type { CatalogServer } from './startCatalogServer.ts';

/**
 * Test-only fault of the embedded runtime (`LANDFALL_FAULTS` key `catalog.restartOnTouch`): each time
 * `touchFile` appears, the local catalog server (dynalite) is restarted under whatever load the runtime has:
 * connections dropped, LevelDB closed, down for `downMs`, then back on the same port. When it is back,
 * `<touchFile>.done` holds the count of restarts so far. Off unless the key is set.
 */
export interface CatalogRestartFault {
  touchFile: string;
  downMs: number;
}

export function armCatalogRestarts(
  server: CatalogServer,
  onProblem: (message: string) => void,
  faultsJson = process.env.LANDFALL_FAULTS,
): void {
  if (!faultsJson) return;
  const fault = (JSON.parse(faultsJson) as Record<string, CatalogRestartFault | undefined>)['catalog.restartOnTouch'];
  if (!fault) return;
  let restarts = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !existsSync(fault.touchFile)) return;
    busy = true;
    renameSync(fault.touchFile, `${fault.touchFile}.taken`);
    server
      .restart(fault.downMs)
      .then(() => writeFileSync(`${fault.touchFile}.done`, String(++restarts)))
      .catch((error: unknown) => onProblem(`catalog restart fault: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (busy = false));
  }, 50);
  timer.unref(); // never what keeps the runtime alive
}
