/**
 * The step image's programs as the embedded runtime runs them: the image's bundle (workflows/jobBundle.ts), each a
 * plain `node` process that runs its own main (and only its own). Each is started without a job and must say
 * what it misses.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_PROGRAMS, jobProgramCommands } from '../../runtime/jobPrograms.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
}

describe('jobProgramCommands', () => {
  it.each([
    { program: 'landfall-stage-in' as const, code: 1, says: 'stage-in failed: LANDFALL_JOB_MANIFEST is not set' },
    { program: 'landfall-stage-out' as const, code: 1, says: 'LANDFALL_JOB_MANIFEST is not set' },
    { program: 'landfall-step' as const, code: 64, says: 'usage: landfall-step <step> --sample S --reads R1_FILE --out DIR' },
    { program: 'landfall-validate' as const, code: 1, says: 'usage: landfall-validate <bucket> <input key>' },
  ])('runs $program as a node process that runs its own main, and only it', async ({ program, code, says }) => {
    // Act
    const commands = await jobProgramCommands(ROOT);
    const result = await run(commands[program]);
    // Assess
    expect(commands[program].slice(0, 2)).toEqual([process.execPath, '--enable-source-maps']);
    // The step image's bundle: dist/job/ while it matches the sources, else one built from them in the cache.
    expect(commands[program].at(-1)).toMatch(
      new RegExp(`(dist/job|node_modules/\\.cache/landfall-job-programs/[0-9a-f]{16})/${program}\\.mjs$`),
    );
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(says);
    // One main per process: the stage-out program does not also run stage-in's.
    if (program === 'landfall-stage-out') expect(result.stderr).not.toContain('stage-in failed');
  });

  it('bundles every command of the step image, the same bundle for the same sources', async () => {
    const [first, second] = await Promise.all([jobProgramCommands(ROOT), jobProgramCommands(ROOT)]);
    expect(Object.keys(first).sort()).toEqual(Object.keys(JOB_PROGRAMS).sort());
    expect(second).toEqual(first);
  });
});
