/**
 * A lab's busy day on a live embedded runtime (`landfall up` as a child process, bench/landfall.soak.config.ts):
 * one 96-sample run and three 8-sample runs of two teams, tiny samples, dropped into the share at once and run
 * through the demo pipeline (qc, trim, profile: 360 step jobs on this machine's cores). Reported: time from the
 * drop to every run DONE ("Run Completed"), final sample statuses, the runtime's peak RSS, its RSS and CPU 60 s
 * after the last run was DONE against its idle baseline before the day, and how long SIGTERM takes to stop it.
 * Targets (issue 22): all COMPLETED, "Run Completed" for all 4 runs, peak RSS < 1 GB, idle CPU < 2 %, memory back
 * within 20 % of the idle baseline, SIGTERM within 10 s.
 * `LANDFALL_BENCH_SOAK_SAMPLES=<n>` shrinks the big run (marked SCALED); `LANDFALL_BENCH_CPU_PROFILE=<dir>` and
 * `LANDFALL_BENCH_HEAP_SNAPSHOT=<dir>` profile the runtime (a heap snapshot when idle before and after the day).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GeneratedRun } from '../demo/generateRun.ts';
import { cachedRun, projectRoot, readBusLog, startLiveRuntime, until } from './liveRuntime.ts';
import { cpuOver, processUsage } from './processUsage.ts';
import type { BenchModule, BenchRow } from './types.ts';

const exec = promisify(execFile);
const soakConfigPath = path.join(projectRoot, 'bench/landfall.soak.config.ts');
const READS_PER_SAMPLE = 100;
const IDLE_WINDOW_MS = 10_000;
const AFTER_DONE_MS = 60_000;
const MB = 1024 * 1024;

export const soakBench: BenchModule = {
  name: 'soak',
  description: '96 + 3 × 8 tiny samples of two teams dropped at once through the demo pipeline: time to all DONE, memory and CPU after',
  async run(context) {
    const big = Number(process.env.LANDFALL_BENCH_SOAK_SAMPLES ?? 96);
    const runs = [
      { team: 'genomics', runId: '261212_LH00417_0200_A22SOAKBIG', samples: big },
      { team: 'genomics', runId: '261212_LH00417_0201_A22SOAKAA8', samples: 8 },
      { team: 'microbio', runId: '261212_LH00418_0202_A22SOAKBB8', samples: 8 },
      { team: 'microbio', runId: '261212_LH00418_0203_A22SOAKCC8', samples: 8 },
    ];
    const total = runs.reduce((sum, run) => sum + run.samples, 0);
    const scaled = big !== 96 ? ' (SCALED)' : '';
    const generated: GeneratedRun[] = [];
    for (const [index, run] of runs.entries())
      generated.push(
        await cachedRun(path.join(context.cacheDir, `soak-${run.runId}-${run.samples}`), {
          runId: run.runId,
          team: run.team,
          seed: 200 + index,
          samples: run.samples,
          readsPerSample: READS_PER_SAMPLE,
        }),
      );
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-soak-'));
    const runtime = await startLiveRuntime(stateDir, soakConfigPath);
    const pid = runtime.child.pid!;
    const rows: BenchRow[] = [];
    let stopped = false;
    try {
      // Idle baseline: after start-up work (the start sweep, the first alarm periods) has settled.
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      const baseline = (await cpuOver(pid, IDLE_WINDOW_MS))!;
      if (process.env.LANDFALL_BENCH_HEAP_SNAPSHOT) runtime.child.kill('SIGUSR2');
      context.log(`  idle baseline: RSS ${(baseline.rssBytes / MB).toFixed(0)} MB, CPU ${baseline.cpuPercent.toFixed(1)} %`);

      // The day: every run's files copied into the share at once, as four instruments finishing together would.
      const droppedAt = Date.now();
      await Promise.all(
        generated.map(async (run, index) => {
          const folder = path.join(runtime.info.shareDir, runs[index]!.team, run.runId);
          await mkdir(folder, { recursive: true });
          for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
        }),
      );
      context.log(`  dropped ${total} samples in ${runs.length} runs; waiting for every run DONE …`);
      const timeoutMs = Number(process.env.LANDFALL_BENCH_SOAK_TIMEOUT_MS ?? 25 * 60_000);
      let doneAt: number | undefined;
      let lastLog = 0;
      await until(
        'every run of the soak DONE',
        async () => {
          const events = await readBusLog(stateDir);
          const completedRuns = new Set(events.filter((e) => e['detail-type'] === 'Run Completed').map((e) => String(e.detail.runId)));
          if (Date.now() - lastLog > 30_000) {
            lastLog = Date.now();
            const ended = events.filter((e) => ['Sample Completed', 'Sample Failed', 'Sample Rejected'].includes(e['detail-type'])).length;
            const usage = await processUsage(pid);
            context.log(
              `  … ${Math.round((Date.now() - droppedAt) / 1000)} s: ${ended}/${total} samples ended, ${completedRuns.size}/${runs.length} runs DONE, RSS ${((usage?.rssBytes ?? 0) / MB).toFixed(0)} MB`,
            );
          }
          if (!runs.every((run) => completedRuns.has(run.runId))) return undefined;
          doneAt = Math.max(...events.filter((e) => e['detail-type'] === 'Run Completed').map((e) => Date.parse(e.time)));
          return true;
        },
        timeoutMs,
        1000,
      ).catch((error: Error) => context.log(`  ${error.message}: reporting what was reached`));
      const events = await readBusLog(stateDir);
      const completedRuns = new Set(events.filter((e) => e['detail-type'] === 'Run Completed').map((e) => String(e.detail.runId)));
      const statuses = await finalStatuses(stateDir);
      const completed = statuses.COMPLETED ?? 0;
      rows.push(
        {
          name: `soak: drop → every run DONE ("Run Completed"), ${total} samples in ${runs.length} runs${scaled}`,
          value: doneAt ? Math.round((doneAt - droppedAt) / 100) / 10 : null,
          unit: 's',
          target: '',
          ...(doneAt ? {} : { note: `not every run DONE within ${timeoutMs / 60_000} min` }),
        },
        {
          name: 'soak: samples COMPLETED (final statuses)',
          value: completed,
          unit: `of ${total}`,
          target: `= ${total}`,
          ok: completed === total,
          note: Object.entries(statuses)
            .map(([status, count]) => `${status} ${count}`)
            .join(', '),
        },
        {
          name: 'soak: runs with "Run Completed"',
          value: completedRuns.size,
          unit: `of ${runs.length}`,
          target: `= ${runs.length}`,
          ok: completedRuns.size === runs.length,
        },
      );
      const peak = (await processUsage(pid))?.peakRssBytes ?? 0;
      rows.push({ name: 'soak: runtime peak RSS', value: Math.round(peak / MB), unit: 'MB', target: '< 1024', ok: peak < 1024 * MB });

      // 60 s after the last run was DONE: memory back near the baseline, CPU back near zero.
      const since = doneAt ?? Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + AFTER_DONE_MS - IDLE_WINDOW_MS - Date.now())));
      const after = (await cpuOver(pid, IDLE_WINDOW_MS))!;
      if (process.env.LANDFALL_BENCH_HEAP_SNAPSHOT) runtime.child.kill('SIGUSR2');
      const ratio = after.rssBytes / baseline.rssBytes;
      rows.push(
        {
          name: 'soak: RSS 60 s after DONE / idle baseline',
          value: Math.round(ratio * 100) / 100,
          unit: '×',
          target: '≤ 1.20',
          ok: ratio <= 1.2,
          note: `${(after.rssBytes / MB).toFixed(0)} MB vs ${(baseline.rssBytes / MB).toFixed(0)} MB`,
        },
        {
          name: 'soak: runtime CPU 60 s after DONE (10 s window)',
          value: Math.round(after.cpuPercent * 10) / 10,
          unit: '% of a core',
          target: '< 2',
          ok: after.cpuPercent < 2,
          note: `idle baseline ${baseline.cpuPercent.toFixed(1)} %`,
        },
      );
      const stopping = Date.now();
      await runtime.stop(30_000);
      stopped = true;
      const stopSeconds = (Date.now() - stopping) / 1000;
      rows.push({
        name: 'soak: SIGTERM → runtime exited',
        value: Math.round(stopSeconds * 10) / 10,
        unit: 's',
        target: '≤ 10',
        ok: stopSeconds <= 10,
      });
    } finally {
      if (!stopped) await runtime.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
    return rows;
  },
};

/** Samples by status over every team, from the live runtime's catalog (`landfall status --json`, as the operator). */
async function finalStatuses(stateDir: string): Promise<Record<string, number>> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'cli/landfall.ts'), 'status', '--json', '--state-dir', stateDir],
    { cwd: projectRoot, env: { ...process.env, LANDFALL_TOKEN: '' }, maxBuffer: 64 * MB },
  );
  const status = JSON.parse(stdout) as { teams: Array<{ counts: Record<string, number> }> };
  const totals: Record<string, number> = {};
  for (const team of status.teams)
    for (const [name, count] of Object.entries(team.counts)) if (count > 0) totals[name] = (totals[name] ?? 0) + count;
  return totals;
}
