/**
 * The promise every fault test checks after its fault, from the catalog and the buckets of a live runtime:
 * each sample reached the expected terminal state, no file that reached the share was lost (its bytes are
 * in the landing or quarantine bucket and it is cataloged), no output was published twice or half (what is
 * under a version's prefix is exactly what its manifest lists), and no notification was emitted on the bus or
 * delivered to the team's outbox twice.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Catalog } from '../../functions/catalog/Catalog.ts';
import type { SampleStatus } from '../../functions/catalog/types.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { readBusLog, waitFor } from '../support/runtimeProcess.ts';

const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

export interface RunExpectation {
  stateDir: string;
  catalog: Catalog;
  team: string;
  runId: string;
  /** The terminal status each sample must end in, e.g. `{ Sample01: 'COMPLETED' }`; no other sample may exist. */
  statuses: Record<string, SampleStatus>;
  /** The files that must not be lost: their current bytes must be in landing or quarantine. @default every file in the run folder on the share */
  shareFiles?: string[];
  /** Where those files' bytes are read from. @default the run folder on the share */
  sourceDir?: string;
}

/** Checks the terminal states, zero lost files, zero duplicate outputs and zero duplicate notifications of one run. */
export async function expectNoLossNoDuplicates(expected: RunExpectation): Promise<void> {
  const { stateDir, catalog, team, runId } = expected;
  const buckets = path.join(stateDir, 'buckets');

  // the expected terminal state of every sample, and no other sample
  const samples = await catalog.samples.listInRun(team, runId);
  expect(Object.fromEntries(samples.map((sample) => [sample.sampleId, sample.status])), `terminal states of ${runId}`).toEqual(
    expected.statuses,
  );

  // zero lost files: every file on the share is cataloged and its current bytes are kept in landing or quarantine
  const shareFolder = expected.sourceDir ?? path.join(stateDir, 'share', team, runId);
  const shareFiles = expected.shareFiles ?? readdirSync(shareFolder);
  const cataloged = new Set((await catalog.runs.listFiles(team, runId)).map((file) => file.name));
  const kept = [
    ...filesUnder(path.join(buckets, 'landfall-landing', 'incoming', team, runId)),
    ...filesUnder(path.join(buckets, 'landfall-quarantine', team, runId)),
  ];
  for (const name of shareFiles) {
    expect(cataloged.has(name), `${name} is not in the catalog's files of ${runId}`).toBe(true);
    const bytes = md5(path.join(shareFolder, name));
    expect(
      kept.filter((file) => path.basename(file) === name).map(md5),
      `the bytes of ${name} on the share are in neither landing nor quarantine`,
    ).toContain(bytes);
  }

  // zero duplicate outputs: under each published version, exactly the files its manifest lists, with their MD5s
  const samplesDir = path.join(buckets, 'landfall-results', 'teams', team, 'runs', runId, 'samples');
  for (const sample of samples) {
    for (const version of await catalog.samples.listVersions({ team, runId, sampleId: sample.sampleId })) {
      const dir = path.join(samplesDir, sample.sampleId, `v${version.version}`);
      if (!existsSync(path.join(dir, 'manifest.json'))) {
        expect(filesUnder(dir), `${sample.sampleId} v${version.version} has outputs but no manifest`).toEqual([]);
        continue;
      }
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SampleManifest;
      const onDisk = Object.fromEntries(
        filesUnder(dir)
          .filter((file) => path.basename(file) !== 'manifest.json')
          .map((file) => [path.relative(path.join(buckets, 'landfall-results'), file), md5(file)]),
      );
      expect(onDisk, `${sample.sampleId} v${version.version}: published files vs manifest`).toEqual(
        Object.fromEntries(Object.values(manifest.steps).flatMap((step) => step.files.map((file) => [file.key, file.md5]))),
      );
      if (version.status === 'COMPLETED') expect(manifest.status, `${sample.sampleId} v${version.version} manifest`).toBe('COMPLETED');
    }
  }
  expect(filesUnder(path.join(buckets, 'landfall-results', 'publishing')), 'half-published outputs left in staging').toEqual([]);

  // zero duplicate notifications: each fact once per sample version (and step)
  const closingOf = (status: string) =>
    ({ COMPLETED: 'Sample Completed', FAILED: 'Sample Failed', REJECTED: 'Sample Rejected' })[
      status as 'COMPLETED' | 'FAILED' | 'REJECTED'
    ];
  // a closing notification follows the catalog's terminal write: wait (bounded) for each before counting
  await waitFor(
    `the closing notification of every sample of ${runId}`,
    () =>
      samples.every(
        (sample) =>
          !closingOf(sample.status) ||
          readBusLog(stateDir).some(
            (e) =>
              e['detail-type'] === closingOf(sample.status) &&
              e.detail.runId === runId &&
              e.detail.sampleId === sample.sampleId &&
              e.detail.version === sample.currentVersion,
          ),
      ) || undefined,
    10_000,
    100,
  ).catch(() => undefined); // the counts below say which one is missing
  const log = readBusLog(stateDir).filter((event) => event.source === 'landfall' && event.detail.runId === runId);
  for (const detailType of [
    'Sample Cataloged',
    'Workflow Started',
    'Step Output Published',
    'Sample Completed',
    'Sample Failed',
    'Sample Rejected',
  ]) {
    const facts = log
      .filter((event) => event['detail-type'] === detailType)
      .map(
        (event) =>
          `${String(event.detail.sampleId)}/v${String(event.detail.version)}${event.detail.step ? `/${String(event.detail.step)}` : ''}${detailType === 'Workflow Started' ? `/${String(event.detail.executionName)}` : ''}`,
      );
    expect(
      facts.filter((fact, index) => facts.indexOf(fact) !== index),
      `${detailType} emitted more than once`,
    ).toEqual([]);
  }
  for (const sample of samples) {
    const final = log.filter((event) => event.detail.sampleId === sample.sampleId && event.detail.version === sample.currentVersion);
    const closing = closingOf(sample.status);
    if (closing)
      expect(
        final.filter((event) => event['detail-type'] === closing),
        `${closing} of ${sample.sampleId} v${sample.currentVersion}`,
      ).toHaveLength(1);
  }

  // zero duplicate deliveries: the team's outbox holds each fact of the run once, the closing one included
  const outbox = path.join(stateDir, 'outbox', `${team}.jsonl`);
  const delivered = (existsSync(outbox) ? readFileSync(outbox, 'utf8').split('\n').filter(Boolean) : [])
    .map(
      (line) =>
        JSON.parse(line) as { 'detail-type': string; detail: { runId?: string; sampleId?: string; version?: number; dedupeKey?: string } },
    )
    .filter((event) => event.detail.runId === runId);
  const keys = delivered.map((event) => event.detail.dedupeKey);
  expect(
    keys.filter((key, index) => keys.indexOf(key) !== index),
    `facts delivered twice to ${team}'s outbox`,
  ).toEqual([]);
  for (const sample of samples) {
    const closing = closingOf(sample.status);
    if (closing)
      expect(
        delivered.filter(
          (event) =>
            event['detail-type'] === closing && event.detail.sampleId === sample.sampleId && event.detail.version === sample.currentVersion,
        ),
        `${closing} of ${sample.sampleId} in ${team}'s outbox`,
      ).toHaveLength(1);
  }
}
