/**
 * `landfall up` refuses a config it cannot run, before starting anything: exit 2, naming the step, the program
 * and the Debian package. The CLI runs as a real process with a PATH that lacks the tools.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../config/defineConfig.ts';
import { missingPrograms } from '../../runtime/pipelineTools.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;

/** Runs `landfall up` with `config` and a PATH holding only node. */
async function up(configText: string): Promise<{ code: number; stderr: string; stateDir: string }> {
  const configPath = path.join(dir, `config-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(configPath, configText);
  const stateDir = path.join(dir, `state-${path.basename(configPath, '.ts')}`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli/landfall.ts'), 'up', '--config', configPath, '--state-dir', stateDir],
      { cwd: ROOT, env: { ...process.env, PATH: path.join(dir, 'bin') }, timeout: 60_000 },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr, stateDir }),
    );
  });
}

const configWith = (pipelines: string, pipeline: string, references = '{}') => `
import { defineConfig } from '${path.join(ROOT, 'config/defineConfig.ts')}';
export default defineConfig({
  app: 'landfall', homeRegion: 'eu-west-1', regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
  teams: [{ id: 'genomics', pipeline: '${pipeline}' }], pipelines: ${pipelines}, references: ${references},
});
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'landfall-up-requires-'));
  await mkdir(path.join(dir, 'bin'));
  await symlink(process.execPath, path.join(dir, 'bin', 'node'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('landfall up', () => {
  it('refuses to start when a routed pipeline needs a program that is not on PATH, naming step, program and package', async () => {
    // Act
    const { code, stderr, stateDir } = await up(configWith('[]', 'dna-align', "{ genome: '/srv/reference/genome' }"));
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('pipeline dna-align, step fastp: fastp is not on PATH (Debian package fastp)');
    expect(stderr).toContain('pipeline dna-align, step align: bwa is not on PATH (Debian package bwa)');
    expect(stderr).toContain('install with: sudo apt-get install fastp bwa samtools multiqc');
    expect(existsSync(path.join(stateDir, 'runtime.json'))).toBe(false);
  }, 90_000);

  it('refuses a default reference the config does not define', async () => {
    const { code, stderr } = await up(configWith('[]', 'dna-align'));
    expect(code).toBe(2);
    expect(stderr).toContain("pipeline dna-align: step align: default reference genome is not in the config's references []");
  }, 90_000);

  it('refuses a team routed to a pipeline that does not exist', async () => {
    const { code, stderr } = await up(configWith('[]', 'rna-seq'));
    expect(code).toBe(2);
    expect(stderr).toContain('team genomics is routed to pipeline rna-seq, which does not exist (pipelines: demo, dna-align)');
  }, 90_000);
});

describe('landfall demo --pipeline dna-align', () => {
  it('exits 2 with the apt-get line when a tool it runs is missing, before writing anything', async () => {
    const stateDir = path.join(dir, 'demo-state');
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'cli/landfall.ts'), 'demo', '--pipeline', 'dna-align', '--state-dir', stateDir],
        { cwd: ROOT, env: { ...process.env, PATH: path.join(dir, 'bin') }, timeout: 60_000 },
        (error, _stdout, text) => resolve({ code: error ? Number(error.code) : 0, stderr: text }),
      );
    });
    expect(code).toBe(2);
    expect(stderr).toContain('missing: fastp, bwa, samtools, multiqc');
    expect(stderr).toContain('install with: sudo apt-get install fastp bwa samtools multiqc');
    expect(existsSync(stateDir)).toBe(false);
  }, 90_000);
});

describe('missingPrograms', () => {
  it('skips programs the runtime provides and names an unknown program without a package', () => {
    const config = defineConfig({
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
      teams: [{ id: 'genomics', pipeline: 'lab' }],
      pipelines: [
        {
          name: 'lab',
          version: '1',
          description: 'lab',
          steps: [
            { name: 'a', description: 'a', vcpus: 1, memoryMiB: 1, timeoutSeconds: 1, image: 'x', command: ['landfall-step', 'qc'] },
            { name: 'b', description: 'b', vcpus: 1, memoryMiB: 1, timeoutSeconds: 1, image: 'x', command: ['our-aligner', '{{out}}'] },
          ],
        },
      ],
    });
    expect(missingPrograms(config, ['landfall-step'], () => false)).toEqual([{ pipeline: 'lab', step: 'b', program: 'our-aligner' }]);
  });
});
