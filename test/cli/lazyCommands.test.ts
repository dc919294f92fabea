/**
 * Each command loads only what it uses (issue 21): the real `landfall` process runs with a module hook that
 * records every ES module it loads (test/support/loadTrace.mjs), and the test checks the record. `validate`
 * and `--help` never load the AWS SDK or the runtime; `status` loads the catalog client and no runtime.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gz, reads } from '../validation/fastqFixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TRACE = path.join(ROOT, 'test/support/loadTrace.mjs');

let dir: string;
let fastq: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'landfall-lazy-'));
  fastq = path.join(dir, 'S1.R1.fastq.gz');
  await writeFile(fastq, gz(reads(20)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The modules `landfall <args>` loads: project files relative to the root, packages by name. From the sources
 * through tsx by default; `compiled`: the bin `npm ci` builds (dist/cli/, its chunks are files of dist/).
 */
async function modulesLoadedBy(
  args: string[],
  compiled = false,
): Promise<{ code: number; stderr: string; files: string[]; packages: Set<string> }> {
  const trace = path.join(dir, `trace-${args[0]}-${Date.now()}.txt`);
  // The recorder's hook goes after tsx's: tsx answers TypeScript loads itself, so the recorder must see them first.
  const node = compiled
    ? ['--import', TRACE, path.join(ROOT, 'dist/cli/landfall.mjs')]
    : ['--import', 'tsx', '--import', TRACE, path.join(ROOT, 'cli/landfall.ts')];
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [...node, ...args],
      { cwd: ROOT, env: { ...process.env, LANDFALL_LOAD_TRACE: trace, LANDFALL_TOKEN: '' }, timeout: 60_000 },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
    ),
  );
  const urls = (await readFile(trace, 'utf8')).split('\n').filter((url) => url.startsWith('file://'));
  const files = urls.map((url) => path.relative(ROOT, new URL(url).pathname)).filter((file) => !file.startsWith('node_modules/'));
  const packages = new Set(
    urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      return match ? [match[1]!] : [];
    }),
  );
  return { code, stderr, files, packages };
}

const awsSdk = (packages: Set<string>) => [...packages].filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'));
/** Packages only the embedded runtime uses (its catalog server, interpreter, share watcher). */
const RUNTIME_PACKAGES = ['dynalite', 'aws-local-stepfunctions', '@middy/core', '@aws-lambda-powertools/logger'];

describe('each landfall command loads only what it uses', () => {
  it('--help loads the command table and nothing a command needs', async () => {
    const { code, files, packages } = await modulesLoadedBy(['--help']);
    expect(code).toBe(0);
    expect([...packages]).toEqual(['commander']);
    expect(files.filter((file) => !file.startsWith('cli/')).sort()).toEqual([
      'config/errors.ts',
      'contracts/words.ts',
      'runtime/identity/errors.ts',
      'runtime/polyfills.ts',
      'runtime/processDefaults.ts',
    ]);
    expect(files).not.toContain('cli/commands/validate.ts');
  });

  it('validate reads a FASTQ without the AWS SDK, the runtime, the catalog or any other command', async () => {
    const { code, stderr, files, packages } = await modulesLoadedBy(['validate', fastq, '--json']);
    expect(code, stderr).toBe(0);
    expect(files).toContain('validation/validateFile.ts');
    expect(awsSdk(packages)).toEqual([]);
    expect(RUNTIME_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
    expect(files.filter((file) => file.startsWith('functions/') || file.startsWith('cli/commands/readCommands'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('runtime/') && !file.startsWith('runtime/identity/errors'))).toEqual([
      'runtime/processDefaults.ts',
      'runtime/polyfills.ts',
    ]);
  });

  it('status loads the catalog client (DynamoDB) and not the runtime or any other AWS client', async () => {
    // No runtime in this state dir: the command stops at "no runtime", after its imports have all loaded.
    const { code, stderr, files, packages } = await modulesLoadedBy(['status', '--state-dir', path.join(dir, 'none')]);
    expect(code).toBe(2);
    expect(stderr).toContain('no runtime at');
    expect(files).toContain('cli/commands/readCommands.ts');
    expect(awsSdk(packages).sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    expect(RUNTIME_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
    expect(
      files.filter((file) => file.startsWith('runtime/') && !/^runtime\/(identity|stateLayout|processDefaults|polyfills)/.test(file)),
    ).toEqual([]);
    expect(files.filter((file) => file.startsWith('cli/commands/') && !/readCommands|statusReport/.test(file))).toEqual([]);
  });
});

describe('the compiled landfall (dist/cli) loads the same packages per command', () => {
  it('--help: commander alone', async () => {
    const { code, packages } = await modulesLoadedBy(['--help'], true);
    expect(code).toBe(0);
    expect([...packages]).toEqual(['commander']);
  });

  it('validate: no AWS SDK and nothing of the runtime', async () => {
    const { code, stderr, packages } = await modulesLoadedBy(['validate', fastq, '--json'], true);
    expect(code, stderr).toBe(0);
    expect(awsSdk(packages)).toEqual([]);
    expect(RUNTIME_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
  });

  it('status: the DynamoDB catalog client and nothing of the runtime', async () => {
    const { code, stderr, packages } = await modulesLoadedBy(['status', '--state-dir', path.join(dir, 'none')], true);
    expect(code).toBe(2);
    expect(stderr).toContain('no runtime at');
    expect(awsSdk(packages).sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    expect(RUNTIME_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
  });
});
