/**
 * Per-team delivery and isolation on a live embedded runtime: two teams' runs land at the same time; each
 * team's outbox gets exactly its own facts, once each, with per-sample sequence numbers that follow the
 * step graph; `outputs` for one team shows nothing of the other; the other team's data is refused.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import { TEAM_FACING_DETAIL_TYPES } from '../../events/teamSubscriptions.ts';
import { runIndexKey } from '../../contracts/keys.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
import { readOutbox } from '../../runtime/delivery/outbox.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const exec = promisify(execFile);
const A = { team: 'genomics', runId: '261123_LH00417_0600_B22TEAMAA' };
const B = { team: 'microbio', runId: '261123_LH00418_0601_B22TEAMBB' };

/** Runs the real CLI; resolves with stdout/stderr and the exit code instead of throwing on a non-zero exit. */
async function landfall(stateDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'cli/landfall.ts'), ...args, '--state-dir', stateDir],
      { cwd: projectRoot, env: { ...process.env, LANDFALL_TOKEN: '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const detail = (event: BusEvent) =>
  event.detail as { team: string; runId: string; sampleId?: string; step?: string; sequence?: number; dedupeKey: string; keys?: string[] };

describe('team delivery and isolation on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let runs: { a: GeneratedRun; b: GeneratedRun };
  let tokens: { operator: string; teams: Record<string, string> };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-teams-'));
    runtime = await startRuntimeProcess(stateDir);
    tokens = JSON.parse(readFileSync(path.join(stateDir, 'tokens.json'), 'utf8')) as typeof tokens;
    const [a, b] = await Promise.all([
      generateRun({
        dir: path.join(stateDir, 'instrument', A.runId),
        runId: A.runId,
        seed: 61,
        samples: 2,
        readsPerSample: 200,
        team: A.team,
      }),
      generateRun({
        dir: path.join(stateDir, 'instrument', B.runId),
        runId: B.runId,
        seed: 62,
        samples: 2,
        readsPerSample: 200,
        team: B.team,
      }),
    ]);
    runs = { a, b };
    // Both runs land at the same time.
    await Promise.all([dropRun(runtime.info.shareDir, A.team, a), dropRun(runtime.info.shareDir, B.team, b)]);
    await Promise.all([
      waitForTerminalSamples(runtime.catalog, A.team, A.runId, 2),
      waitForTerminalSamples(runtime.catalog, B.team, B.runId, 2),
    ]);
    // "Run Completed" is the last fact of each run: once both outboxes have it, delivery is done.
    await waitFor(
      'Run Completed in both outboxes',
      async () => {
        const done = await Promise.all(
          [A, B].map(async ({ team }) => (await readOutbox(stateDir, team)).some((e) => e['detail-type'] === 'Run Completed')),
        );
        return done.every(Boolean) || undefined;
      },
      60_000,
      200,
    );
  }, 240_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it.each([
    { case: 'genomics', own: A, other: B },
    { case: 'microbio', own: B, other: A },
  ])("gives $case's outbox exactly its own team-facing facts, one line per fact", async ({ own, other }) => {
    // Prepare: every team-facing fact the bus carried for this team (the bus may carry repeats)
    const facts = readBusLog(stateDir).filter(
      (e) =>
        e.source === 'landfall' && (TEAM_FACING_DETAIL_TYPES as readonly string[]).includes(e['detail-type']) && e.detail.team === own.team,
    );
    const expected = [...new Set(facts.map((e) => String(e.detail.dedupeKey)))].sort();
    // Act
    const outbox = await readOutbox(stateDir, own.team);
    const text = readFileSync(path.join(stateDir, 'outbox', `${own.team}.jsonl`), 'utf8');
    // Assess
    expect(outbox.every((e) => detail(e).team === own.team && detail(e).runId === own.runId)).toBe(true);
    expect(text).not.toContain(other.team);
    expect(text).not.toContain(other.runId);
    const keys = outbox.map((e) => detail(e).dedupeKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(expected);
    const count = (type: string) => outbox.filter((e) => e['detail-type'] === type).length;
    expect([
      count('Sample Cataloged'),
      count('Workflow Started'),
      count('Step Output Published'),
      count('Sample Completed'),
      count('Run Completed'),
    ]).toEqual([2, 2, 6, 2, 1]);
  });

  it("numbers each sample version's published steps 1, 2, … in an order that follows the step graph", async () => {
    // Prepare: the graph's order constraints — every `needs` edge, and early steps before the others
    const before: Array<[string, string]> = [];
    for (const step of demoPipeline.steps) {
      for (const need of step.needs) before.push([need, step.name]);
      if (!step.early) for (const early of demoPipeline.steps.filter((s) => s.early)) before.push([early.name, step.name]);
    }
    expect(before.length).toBeGreaterThan(0);
    for (const { team } of [A, B]) {
      // Act
      const published = (await readOutbox(stateDir, team)).filter((e) => e['detail-type'] === 'Step Output Published');
      const bySample = new Map<string, BusEvent[]>();
      for (const e of published) bySample.set(detail(e).sampleId!, [...(bySample.get(detail(e).sampleId!) ?? []), e]);
      // Assess
      expect(bySample.size).toBe(2);
      for (const [sampleId, events] of bySample) {
        const sequence = new Map(events.map((e) => [detail(e).step!, detail(e).sequence!]));
        expect([...sequence.values()].sort(), `${team}/${sampleId}`).toEqual(demoPipeline.steps.map((_, i) => i + 1));
        for (const [first, then] of before)
          expect(sequence.get(first)!, `${team}/${sampleId}: ${first} before ${then}`).toBeLessThan(sequence.get(then)!);
      }
    }
  });

  it("writes each run's index.json from the catalog, complete, with the published steps in sequence", () => {
    for (const { team, runId } of [A, B]) {
      // Act
      const index = JSON.parse(
        readFileSync(path.join(stateDir, 'buckets', 'landfall-results', ...runIndexKey(team, runId).split('/')), 'utf8'),
      ) as RunIndex;
      // Assess
      expect(index).toMatchObject({ team, runId, status: 'DONE', complete: true, counts: { COMPLETED: 2 } });
      for (const sample of index.samples) {
        // qc is early and publishes first; trim and profile run side by side, in either order
        expect(sample.steps.map((s) => s.sequence)).toEqual([1, 2, 3]);
        expect(sample.steps[0]?.step).toBe('qc');
        expect(sample.steps.map((s) => s.step).sort()).toEqual(['profile', 'qc', 'trim']);
      }
    }
  });

  it("shows a team's outputs with its token and none of the other team's strings", async () => {
    // Prepare: the other team's strings — its id, its run, and the MD5 of every file it published
    const otherManifests = runs.b.samples.map(
      (s) =>
        JSON.parse(
          readFileSync(
            path.join(
              stateDir,
              'buckets',
              'landfall-results',
              'teams',
              B.team,
              'runs',
              B.runId,
              'samples',
              s.sampleId,
              'v1',
              'manifest.json',
            ),
            'utf8',
          ),
        ) as { steps: Record<string, { files: Array<{ md5: string }> }> },
    );
    const md5s = otherManifests.flatMap((m) => Object.values(m.steps).flatMap((s) => s.files.map((f) => f.md5)));
    expect(md5s.length).toBeGreaterThan(0);
    // Act
    const result = await landfall(stateDir, 'outputs', '--team', A.team, '--token', tokens.teams[A.team]!);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`teams/${A.team}/runs/${A.runId}/samples/Sample01/v1/qc/`);
    expect(result.stdout).toContain(runIndexKey(A.team, A.runId));
    for (const foreign of [B.team, B.runId, ...md5s]) expect(result.stdout).not.toContain(foreign);
  }, 30_000);

  it.each([
    { case: 'outputs of the other team', args: ['outputs', '--team', B.team] },
    { case: 'a sample of the other team', args: ['sample', `${B.team}/${B.runId}/Sample01`] },
    { case: 'a fetch of the other team', args: ['fetch', '--team', B.team, '--run', B.runId, '/tmp/landfall-never-written'] },
    { case: "the other team's samples", args: ['samples', '--team', B.team] },
    { case: "the other team's costs", args: ['costs', '--team', B.team] },
  ])(
    "refuses $case with a's token",
    async ({ args }) => {
      // Act
      const result = await landfall(stateDir, ...args, '--token', tokens.teams[A.team]!);
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`team ${A.team} cannot read team ${B.team}'s data`);
      expect(result.stdout).not.toContain(B.runId);
    },
    30_000,
  );

  it.each([
    { case: 'status', args: ['status', '--json'] },
    { case: 'samples', args: ['samples', '--json'] },
    { case: 'costs', args: ['costs', '--json'] },
  ])(
    "lists only the team's own data in $case with its token, never the other team's names",
    async ({ args }) => {
      // Act
      const result = await landfall(stateDir, ...args, '--token', tokens.teams[A.team]!);
      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(A.runId);
      for (const foreign of [B.team, B.runId]) expect(result.stdout).not.toContain(foreign);
    },
    30_000,
  );
});
