/** `node --import tsx bench/burstWorker.ts <cacheDir> <stateDir>`: runs the burst bench in this fresh process, prints its rows as JSON (last line). */
import { burstInProcess } from './burst.ts';

const rows = await burstInProcess.run(
  { cacheDir: process.argv[2]!, runs: 3, large: false, log: (line) => process.stderr.write(`${line}\n`) },
  process.argv[3]!,
);
process.stdout.write(`${JSON.stringify(rows)}\n`);
process.exit(0);
