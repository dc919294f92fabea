/** Where a phase writes its own lines: the process's streams, or the embedded runtime's stager (runtime/executor/stagerThread.ts). */
export interface PhaseOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A phase program's own output: its process's stdout and stderr. */
export const processOutput: PhaseOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
