import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { runReportPrefix } from '../../../contracts/keys.ts';
import { fetchCommand, formatBytes } from '../../../cli/commands/fetch.ts';
import { EXIT } from '../../../cli/errors.ts';
import { ensureTokens, type TokensFile } from '../../../runtime/identity/identity.ts';
import { stateLayout } from '../../../runtime/stateLayout.ts';
import { capture, configInput, prepareState, publishSteps, RESULTS, type PreparedState } from '../stateFixture.ts';

const RUN = 'RUN_A_0001';
const FILES = {
  AlphaS1: { qc: { 'qc.json': '{"reads":10}', 'qc.tsv': 'a\tb\n' }, trim: { 'AlphaS1_R1.fastq.gz': 'ACGTACGT'.repeat(100) } },
  AlphaS2: { qc: { 'qc.json': '{"reads":12}' } },
};

/** Every file below `dir`, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('fetchCommand', () => {
  let state: PreparedState;
  let tokens: TokensFile;
  let target: string;
  beforeEach(async () => {
    state = await prepareState();
    target = await mkdtemp(path.join(os.tmpdir(), 'landfall-fetch-'));
    tokens = await ensureTokens(state.stateDir, defineConfig(structuredClone(configInput)));
    for (const [sample, steps] of Object.entries(FILES)) await publishSteps(state.storage, { team: 'lab-a', run: RUN, sample }, steps);
    await publishSteps(state.storage, { team: 'lab-b', run: 'RUN_B_0002', sample: 'BetaS1' }, { qc: { 'qc.json': '{"beta":true}' } });
  });
  afterEach(async () => {
    await state.cleanup();
    await rm(target, { recursive: true, force: true });
  });

  const fetch = (options: Partial<Parameters<typeof fetchCommand>[0]> = {}) =>
    capture(() =>
      fetchCommand({
        stateDir: state.stateDir,
        config: state.configPath,
        team: 'lab-a',
        run: RUN,
        dir: target,
        token: tokens.teams['lab-a'],
        progress: 'lines',
        ...options,
      }),
    );

  it('downloads every published output of a run to <dir>/<sample>/v<N>/<step>/<file>, verified, with the manifests', async () => {
    // Act
    const result = await fetch();
    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(await tree(target)).toEqual([
      'AlphaS1/v1/manifest.json',
      'AlphaS1/v1/qc/qc.json',
      'AlphaS1/v1/qc/qc.tsv',
      'AlphaS1/v1/trim/AlphaS1_R1.fastq.gz',
      'AlphaS2/v1/manifest.json',
      'AlphaS2/v1/qc/qc.json',
    ]);
    expect(await readFile(path.join(target, 'AlphaS1/v1/trim/AlphaS1_R1.fastq.gz'), 'utf8')).toBe(
      FILES.AlphaS1.trim['AlphaS1_R1.fastq.gz'],
    );
    const progress = result.stdout.split('\n').filter((line) => line.startsWith('['));
    expect(progress).toHaveLength(4);
    const total = Object.values(FILES)
      .flatMap((steps) => Object.values(steps).flatMap((files) => Object.values(files) as string[]))
      .reduce((sum, content) => sum + Buffer.byteLength(content), 0);
    expect(progress.at(-1)).toBe(`[4/4] ${total} B / ${total} B  AlphaS2/v1/qc/qc.json ok`);
    expect(result.stdout).toContain(`4 of 4 files verified in ${target}`);
  });

  it("fetches the run's report beside the samples once it is written, verified against the MD5 it was written with", async () => {
    // Prepare: the report as writeRunReport writes it, and a damaged second file
    const html = '<!doctype html><title>RUN_A_0001</title>';
    const json = '{"runId":"RUN_A_0001"}\n';
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    await state.storage.put(RESULTS, `${runReportPrefix('lab-a', RUN)}report.html`, html, { metadata: { md5: md5(html) } });
    await state.storage.put(RESULTS, `${runReportPrefix('lab-a', RUN)}report.json`, json, { metadata: { md5: md5('other bytes') } });

    // Act
    const result = await fetch();

    // Assess: the good file is there with its bytes, the damaged one deleted and named, exit 1
    expect(await readFile(path.join(target, 'report', 'report.html'), 'utf8')).toBe(html);
    expect(await tree(path.join(target, 'report'))).toEqual(['report.html']);
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toContain(`${runReportPrefix('lab-a', RUN)}report.json`);
  });

  it('fetches one step only with --step', async () => {
    // Act
    const result = await fetch({ step: 'qc' });
    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect((await tree(target)).filter((file) => !file.endsWith('manifest.json'))).toEqual([
      'AlphaS1/v1/qc/qc.json',
      'AlphaS1/v1/qc/qc.tsv',
      'AlphaS2/v1/qc/qc.json',
    ]);
  });

  it('deletes a file whose bytes do not match its manifest MD5, names it and exits 1', async () => {
    // Prepare: the stored bytes change behind the manifest's back (same size, different content).
    const key = `teams/lab-a/runs/${RUN}/samples/AlphaS1/v1/qc/qc.json`;
    await writeFile(path.join(stateLayout(state.stateDir).buckets, RESULTS, ...key.split('/')), '{"reads":99}');
    // Act
    const result = await fetch();
    // Assess
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toContain(`landfall: ${key}: MD5`);
    expect(result.stderr).toContain('the partial file was deleted');
    const files = await tree(target);
    expect(files).not.toContain('AlphaS1/v1/qc/qc.json');
    expect(files.filter((file) => file.endsWith('.part'))).toEqual([]);
    expect(files).toContain('AlphaS1/v1/qc/qc.tsv');
    expect(result.stdout).toContain('3 of 4 files verified');
  });

  it('keeps files already fetched and verified, and replaces a damaged local copy', async () => {
    // Prepare
    await fetch();
    await writeFile(path.join(target, 'AlphaS1/v1/qc/qc.tsv'), 'damaged');
    // Act
    const result = await fetch();
    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout.split('\n').filter((line) => line.endsWith('up to date'))).toHaveLength(3);
    expect(await readFile(path.join(target, 'AlphaS1/v1/qc/qc.tsv'), 'utf8')).toBe(FILES.AlphaS1.qc['qc.tsv']);
  });

  it.each([
    {
      case: "another team's run with a team token",
      options: { team: 'lab-b', run: 'RUN_B_0002' },
      code: EXIT.failed,
      message: "team lab-a cannot read team lab-b's data (use that team's token, or the operator's)",
    },
    {
      case: 'a run unknown to the results (issue 19: one rule for unknown names)',
      options: { run: 'RUN_A_9999' },
      code: EXIT.failed,
      message: 'no run RUN_A_9999 for team lab-a in the results; runs with results: RUN_A_0001',
    },
    {
      case: 'a step without published outputs',
      options: { step: 'align' },
      code: EXIT.failed,
      message: `no published outputs for lab-a/${RUN} step align yet`,
    },
    { case: 'an unknown token', options: { token: 'lft_nope' }, code: EXIT.usage, message: expect.stringMatching(/^unknown token/) },
  ])('refuses $case', async ({ options, code, message }) => {
    // Act
    const result = await fetch(options);
    // Assess
    expect(result.code).toBe(code);
    expect(result.error?.message).toEqual(message);
    expect(await tree(target)).toEqual([]);
  });

  it('lets the operator fetch any team, and prints a JSON summary with --json', async () => {
    // Act
    const result = await fetch({ team: 'lab-b', run: 'RUN_B_0002', token: tokens.operator, json: true });
    // Assess
    expect(result.code).toBe(EXIT.ok);
    const summary = JSON.parse(result.stdout) as { files: Array<{ key: string; status: string }>; failed: number };
    expect(summary.failed).toBe(0);
    expect(summary.files).toEqual([
      expect.objectContaining({ key: 'teams/lab-b/runs/RUN_B_0002/samples/BetaS1/v1/qc/qc.json', status: 'fetched' }),
    ]);
    expect(result.stderr).toMatch(/^\[1\/1\]/);
  });
});

describe('formatBytes', () => {
  it.each([
    { case: 'bytes', bytes: 828, expected: '828 B' },
    { case: 'KiB', bytes: 1536, expected: '1.5 KiB' },
    { case: 'GiB', bytes: 5 * 1024 ** 3, expected: '5.0 GiB' },
  ])('$case', ({ bytes, expected }) => {
    // Assess
    expect(formatBytes(bytes)).toBe(expected);
  });
});
