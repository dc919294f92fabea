import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { landfallCommand, projectRoot } from './runtimeProcess.ts';

const exec = promisify(execFile);

/**
 * Runs the real `landfall` CLI (the compiled bin) against a state dir; resolves with stdout/stderr and the exit code instead of
 * throwing on a non-zero exit. LANDFALL_TOKEN is cleared so only `--token` in `args` names the caller.
 */
export async function runLandfall(
  stateDir: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(landfallCommand[0]!, [...landfallCommand.slice(1), ...args, '--state-dir', stateDir], {
      cwd: projectRoot,
      env: { ...process.env, LANDFALL_TOKEN: '' },
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
