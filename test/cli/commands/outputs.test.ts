import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { outputsCommand, type TeamOutput } from '../../../cli/commands/outputs.ts';
import { EXIT } from '../../../cli/errors.ts';
import { ensureTokens, type TokensFile } from '../../../runtime/identity/identity.ts';
import { stateLayout } from '../../../runtime/stateLayout.ts';
import {
  capture,
  configInput,
  md5,
  prepareState,
  publishSteps,
  RESULTS,
  startCapture,
  waitFor,
  type PreparedState,
} from '../stateFixture.ts';

/** Everything that names team b: its id, its run and its samples. */
const TEAM_B_STRINGS = ['lab-b', 'RUN_B_0002', 'BetaS1'];

describe('outputsCommand', () => {
  let state: PreparedState;
  let tokens: TokensFile;
  beforeEach(async () => {
    state = await prepareState();
    tokens = await ensureTokens(state.stateDir, defineConfig(structuredClone(configInput)));
    await publishSteps(
      state.storage,
      { team: 'lab-a', run: 'RUN_A_0001', sample: 'AlphaS1' },
      { qc: { 'qc.json': '{"reads":10}', 'qc.tsv': 'a\tb\n' } },
    );
    await publishSteps(state.storage, { team: 'lab-a', run: 'RUN_A_0001', sample: 'AlphaS2' }, { qc: { 'qc.json': '{"reads":12}' } });
    await publishSteps(state.storage, { team: 'lab-b', run: 'RUN_B_0002', sample: 'BetaS1' }, { qc: { 'qc.json': '{"beta":true}' } });
  });
  afterEach(async () => state.cleanup());

  it("lists a team's outputs with size and MD5 and none of another team's strings", async () => {
    // Act
    const result = await capture(() =>
      outputsCommand({ stateDir: state.stateDir, config: state.configPath, team: 'lab-a', token: tokens.teams['lab-a'] }),
    );
    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/qc/qc.tsv');
    expect(result.stdout).toContain(md5('{"reads":12}'));
    expect(result.stdout).toContain('teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/manifest.json');
    for (const text of TEAM_B_STRINGS) expect(result.stdout + result.stderr).not.toContain(text);
  });

  it('prints JSON rows with the local path of each file', async () => {
    // Act
    const result = await capture(() =>
      outputsCommand({ stateDir: state.stateDir, config: state.configPath, team: 'lab-a', run: 'RUN_A_0001', json: true }),
    );
    // Assess
    const rows = JSON.parse(result.stdout) as Array<TeamOutput & { path: string }>;
    const qc = rows.find((row) => row.key.endsWith('AlphaS1/v1/qc/qc.json'))!;
    expect(qc).toMatchObject({
      kind: 'output',
      run: 'RUN_A_0001',
      sample: 'AlphaS1',
      version: 1,
      step: 'qc',
      size: 12,
      md5: md5('{"reads":10}'),
      publishedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(qc.path).toBe(path.join(stateLayout(state.stateDir).buckets, RESULTS, ...qc.key.split('/')));
    expect(rows.map((row) => row.kind).sort()).toEqual(['manifest', 'manifest', 'output', 'output', 'output']);
  });

  it('does not offer a file its manifest does not record (still publishing, or never verified)', async () => {
    // Prepare
    const stray = 'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/trim/half-copied.fastq.gz';
    await state.storage.put(RESULTS, stray, 'partial');
    // Act
    const result = await capture(() => outputsCommand({ stateDir: state.stateDir, config: state.configPath, team: 'lab-a' }));
    // Assess
    expect(result.stdout).toContain('AlphaS1/v1/qc/qc.json');
    expect(result.stdout).not.toContain('half-copied');
  });

  it("refuses a team token asking for another team's outputs, naming no other team than the one asked for", async () => {
    // Act
    const result = await capture(() =>
      outputsCommand({ stateDir: state.stateDir, config: state.configPath, team: 'lab-b', token: tokens.teams['lab-a'] }),
    );
    // Assess
    expect(result.code).toBe(EXIT.failed);
    expect(result.error?.message).toBe("team lab-a cannot read team lab-b's data (use that team's token, or the operator's)");
    expect(result.stdout).not.toContain('BetaS1');
  });

  it.each([
    { case: 'an unknown token', options: { team: 'lab-a', token: 'lft_nope' }, code: EXIT.usage, message: /^unknown token/ },
    { case: 'a run id that is a path', options: { team: 'lab-a', run: '../../lab-b' }, code: EXIT.usage, message: /^not a run id/ },
    // Issue 19: one rule for unknown names, exit 1 with the known names.
    {
      case: 'an unknown team (operator)',
      options: { team: 'lab-zz' },
      code: EXIT.failed,
      message: /^unknown team lab-zz \(teams: lab-a, lab-b\)/,
    },
    {
      case: 'a run unknown to the results',
      options: { team: 'lab-a', run: 'RUN_A_9999' },
      code: EXIT.failed,
      message: 'no run RUN_A_9999 for team lab-a in the results; runs with results: RUN_A_0001',
    },
  ])('exits $code for $case', async ({ options, code, message }) => {
    // Act
    const result = await capture(() => outputsCommand({ stateDir: state.stateDir, config: state.configPath, ...options }));
    // Assess
    expect(result.code).toBe(code);
    expect(result.error?.message).toMatch(message);
  });

  it('finds the config through runtime.json when --config is not given, with no runtime running', async () => {
    // Prepare: the runtime that wrote runtime.json has stopped (its pid is not ours to know).
    await writeFile(
      stateLayout(state.stateDir).runtimeFile,
      JSON.stringify({ pid: 999_999_999, configPath: state.configPath, stateDir: state.stateDir }),
    );
    // Act
    const result = await capture(() => outputsCommand({ stateDir: state.stateDir, team: 'lab-a', run: 'RUN_A_0001' }));
    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('AlphaS2/v1/qc/qc.json');
  });

  it('says so when a team has no outputs yet', async () => {
    // Prepare: a third team in the config, with nothing published
    const config = path.join(state.stateDir, 'three-teams.config.mjs');
    await writeFile(
      config,
      `export default ${JSON.stringify({ ...configInput, teams: [...configInput.teams, { id: 'lab-c', pipeline: 'demo' }] })};\n`,
    );
    // Act
    const result = await capture(() => outputsCommand({ stateDir: state.stateDir, config, team: 'lab-c' }));
    // Assess
    expect(result.stdout).toBe('no outputs under teams/lab-c/ yet\n');
  });

  describe('--watch', () => {
    it('prints each output once, when its manifest records it, until stopped', async () => {
      // Prepare
      const stop = new AbortController();
      const watching = startCapture(() =>
        outputsCommand({
          stateDir: state.stateDir,
          config: state.configPath,
          team: 'lab-a',
          watch: true,
          token: tokens.teams['lab-a'],
          signal: stop.signal,
          pollMs: 20,
        }),
      );
      await waitFor('the outputs already there', () => watching.current().stdout.includes('AlphaS2/v1/qc/qc.json'));
      const trimKey = 'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/trim/AlphaS1_R1.fastq.gz';
      // Act: the trim output lands, first unrecorded (being published), then recorded; team b publishes too.
      await state.storage.put(RESULTS, trimKey, 'unverified');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const printedBeforeRecord = watching.current().stdout.includes(trimKey);
      const manifest = JSON.parse(
        (await state.storage.getBytes(RESULTS, 'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/manifest.json')).toString(),
      );
      await publishSteps(
        state.storage,
        { team: 'lab-a', run: 'RUN_A_0001', sample: 'AlphaS1' },
        { trim: { 'AlphaS1_R1.fastq.gz': 'ACGT' } },
        manifest,
      );
      await publishSteps(state.storage, { team: 'lab-b', run: 'RUN_B_0002', sample: 'BetaS1' }, { trim: { 'BetaS1_R1.fastq.gz': 'TTTT' } });
      await waitFor('the trim output', () => watching.current().stdout.includes(trimKey));
      await new Promise((resolve) => setTimeout(resolve, 60));
      stop.abort();
      const result = await watching.result;
      // Assess
      expect(printedBeforeRecord).toBe(false);
      expect(result.code).toBe(EXIT.ok);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toBe('watching teams/lab-a/ (Ctrl-C to stop)');
      expect(lines.filter((line) => line.includes(trimKey))).toEqual([expect.stringContaining(`md5 ${md5('ACGT')}`)]);
      expect(lines.filter((line) => line.includes('AlphaS1/v1/manifest.json'))).toHaveLength(1);
      for (const text of TEAM_B_STRINGS) expect(result.stdout).not.toContain(text);
    });

    it('with --run, stops by itself once the run is DONE, after listing what it published (issue 19)', async () => {
      // Prepare: watching a run still processing
      const indexKey = 'teams/lab-a/runs/RUN_A_0001/index.json';
      await state.storage.put(RESULTS, indexKey, JSON.stringify({ team: 'lab-a', runId: 'RUN_A_0001', status: 'PROCESSING' }));
      const watching = startCapture(() =>
        outputsCommand({ stateDir: state.stateDir, config: state.configPath, team: 'lab-a', run: 'RUN_A_0001', watch: true, pollMs: 20 }),
      );
      await waitFor('the outputs already there', () => watching.current().stdout.includes('AlphaS2/v1/qc/qc.json'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stillWatching = watching.current().stdout.includes('DONE: every output');
      // Act: the last output is published and the run concludes
      await publishSteps(state.storage, { team: 'lab-a', run: 'RUN_A_0001', sample: 'AlphaS2' }, { trim: { 'AlphaS2_R1.fastq.gz': 'GG' } });
      await state.storage.put(RESULTS, indexKey, JSON.stringify({ team: 'lab-a', runId: 'RUN_A_0001', status: 'DONE' }));
      const result = await Promise.race([
        watching.result,
        new Promise<'still watching'>((resolve) => setTimeout(() => resolve('still watching'), 5_000)),
      ]);
      // Assess
      expect(stillWatching).toBe(false);
      expect(result).not.toBe('still watching');
      const { code, stdout } = result as { code: number; stdout: string };
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain('AlphaS2/v1/trim/AlphaS2_R1.fastq.gz');
      expect(stdout.trim().split('\n').at(-1)).toBe('run RUN_A_0001 is DONE: every output is listed above');
    });

    it('prints one JSON object per line with --json', async () => {
      // Prepare
      const stop = new AbortController();
      const watching = startCapture(() =>
        outputsCommand({
          stateDir: state.stateDir,
          config: state.configPath,
          team: 'lab-a',
          run: 'RUN_A_0001',
          watch: true,
          json: true,
          signal: stop.signal,
          pollMs: 20,
        }),
      );
      // Act
      await waitFor('five rows', () => watching.current().stdout.trim().split('\n').length >= 5);
      stop.abort();
      const result = await watching.result;
      // Assess
      const rows = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as TeamOutput);
      expect(rows.map((row) => row.key).sort()).toEqual([
        'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/manifest.json',
        'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/qc/qc.json',
        'teams/lab-a/runs/RUN_A_0001/samples/AlphaS1/v1/qc/qc.tsv',
        'teams/lab-a/runs/RUN_A_0001/samples/AlphaS2/v1/manifest.json',
        'teams/lab-a/runs/RUN_A_0001/samples/AlphaS2/v1/qc/qc.json',
      ]);
    });
  });
});
