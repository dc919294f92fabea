import { createHash } from 'node:crypto';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallEventDetail } from '../../contracts/events/landfall.ts';
import type { Services } from '../shared/services.ts';
import { samplesOfRunCompleted } from '../publishing/updateRunIndex.ts';
import { buildRunReport, renderRunReportHtml, type ReportSampleInput } from './runReport.ts';
import { runReportPrefix } from '../../contracts/keys.ts';
import { OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';

async function readJson<T>(svc: Services, bucket: string, keys: readonly string[], name: string): Promise<T | undefined> {
  const key = keys.find((candidate) => candidate.endsWith(`/${name}`));
  return key ? (JSON.parse((await svc.storage.getBytes(bucket, key)).toString('utf8')) as T) : undefined;
}

/**
 * "Run Completed" (every sample of the run terminal, once per set of versions): the run-level `report`.
 * Reads each sample's published qc, trim and profile reports and writes `report.json` and a
 * self-contained `report.html` (table and inline SVG charts) under `teams/<team>/runs/<run>/report/`.
 * Rewriting it for a repeated event gives the same content, apart from its generation time.
 */
export async function writeRunReport(
  svc: Services,
  event: Pick<LandfallEventDetail<'Run Completed'>, 'team' | 'runId' | 'samples' | 'sampleCount'>,
): Promise<{ outcome: string; keys: string[] }> {
  // A run of more samples than the event names is reported whole, from its index.
  const run = { team: event.team, runId: event.runId, samples: await samplesOfRunCompleted(svc, event) };
  const written = await writeReportOnce(svc, run);
  // A file that fits nowhere counted on the run while this report was written, before it was marked reported
  // (evaluateRun rewrites reported runs only): written again with it, so status, dashboard and report agree.
  const after = await svc.catalog.runs.get(run.team, run.runId);
  if ((after?.unexpectedCount ?? 0) !== written.unexpected) return { outcome: 'reported', keys: (await writeReportOnce(svc, run)).keys };
  return { outcome: 'reported', keys: written.keys };
}

async function writeReportOnce(svc: Services, run: Pick<LandfallEventDetail<'Run Completed'>, 'team' | 'runId' | 'samples'>) {
  const { team, runId, samples } = run;
  const results = bucketNames(svc.config).results;
  const inputs: ReportSampleInput[] = [];
  for (const sample of samples) {
    const outputs = sample.version
      ? (await svc.catalog.steps.list({ team, runId, sampleId: sample.sampleId, version: sample.version })).filter(
          (step) => step.publishedAt,
        )
      : [];
    const keysOf = (step: string) => (outputs.find((record) => record.step === step)?.outputs ?? []).map((output) => output.key);
    inputs.push({
      sampleId: sample.sampleId,
      ...(sample.version !== undefined && { version: sample.version }),
      status: sample.status,
      qc: await readJson(svc, results, keysOf('qc'), 'qc.json'),
      trim: await readJson(svc, results, keysOf('trim'), 'trim.json'),
      profile: await readJson(svc, results, keysOf('profile'), 'profile.json'),
    });
  }
  const notLanded = await svc.catalog.shareSkips.listTeam(team, runId);
  const record = await svc.catalog.runs.get(team, runId);
  const report = buildRunReport(team, runId, inputs, undefined, notLanded, {
    count: record?.unexpectedCount ?? 0,
    files: record?.unexpected ?? [],
  });
  const keys = [];
  for (const [name, body] of [
    ['report.json', `${JSON.stringify(report, null, 2)}\n`],
    ['report.html', renderRunReportHtml(report)],
  ] as const) {
    const key = `${runReportPrefix(team, runId)}${name}`;
    await svc.storage.put(results, key, body, {
      metadata: { [OUTPUT_MD5_METADATA]: createHash('md5').update(body).digest('hex') },
      ...(name.endsWith('.html') && { contentType: 'text/html; charset=utf-8' }),
    });
    keys.push(key);
  }
  await svc.catalog.runs.update(team, runId, { reportedAt: new Date().toISOString() }); // the sweep re-drives a DONE run without it
  return { keys, unexpected: report.unexpectedFiles.count };
}
