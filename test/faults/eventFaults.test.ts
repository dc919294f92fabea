/**
 * Event faults on a live embedded runtime, sent to its local PutEvents as S3 and the File Gateway send them:
 * - out of order: the run's completion markers first, FASTQs in reverse, the sample sheet last, File Gateway
 *   events before S3's, and one FASTQ's event arriving before its object exists (sent again once it does);
 * - events for deleted objects: a run folder whose objects were deleted before their events arrived.
 * Every real sample completes exactly once; nothing is cataloged for the deleted objects; nothing dead-letters.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { readBusLog, waitFor, waitForTerminalSamples, withLiveRuntime, type RuntimeProcess } from '../support/runtimeProcess.ts';
import { expectNoLossNoDuplicates } from './faultAssertions.ts';

const TEAM = 'genomics';
const LANDING = 'landfall-landing';

type Info = { size: number; etag: string; versionId?: string };
const s3Event = (key: string, info: Info) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  resources: [`arn:aws:s3:::${LANDING}`],
  detail: {
    version: '0',
    bucket: { name: LANDING },
    object: { key, size: info.size, etag: info.etag.replaceAll('"', ''), ...(info.versionId && { 'version-id': info.versionId }) },
    reason: 'PutObject',
  },
});
const gatewayEvent = (key: string, info: Info) => ({
  source: 'aws.storagegateway',
  'detail-type': 'Storage Gateway Object Upload Event',
  resources: [],
  detail: {
    'object-size': info.size,
    'modification-time': new Date().toISOString(),
    'object-key': key,
    'event-type': 'object-upload-complete',
    prefix: `${path.posix.dirname(key)}/`,
    'bucket-name': LANDING,
  },
});

describe('fault: out-of-order events and events for deleted objects', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-fault-events-', (live) => ({ stateDir, runtime } = live));

  /** Sends events one PutEvents call after another, in the order given (the order is the fault). */
  async function send(events: unknown[]): Promise<void> {
    const token = (JSON.parse(readFileSync(path.join(stateDir, 'tokens.json'), 'utf8')) as { operator: string }).operator;
    for (const event of events) {
      const response = await fetch(`http://127.0.0.1:${runtime.info.ports.control}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ Entries: [event] }),
      });
      if (!response.ok) throw new Error(`PutEvents refused an event: ${response.status} ${await response.text()}`);
    }
  }

  it('completes every sample exactly once when events arrive in reverse, gateway before S3, and one before its object', async () => {
    // Prepare: the objects are in the landing bucket (all but the early-announced one), with no event sent
    const runId = '261123_LH00417_0520_B22ORDER1';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 53,
      samples: 2,
      readsPerSample: 300,
      team: TEAM,
    });
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    const key = (name: string) => `incoming/${TEAM}/${runId}/${name}`;
    const early = run.samples[1]!.fastqs.find((fastq) => fastq.read === 'R2')!;
    const infos = new Map<string, Info>();
    for (const file of run.files)
      if (file.name !== early.name) infos.set(file.name, await storage.put(LANDING, key(file.name), readFileSync(file.path)));
    const order = [
      ...run.files.filter((file) => file.kind === 'marker'),
      ...run.files.filter((file) => file.kind === 'fastq' && file.name !== early.name).reverse(),
      ...run.files.filter((file) => file.kind === 'samplesheet'),
    ];
    expect(order).toHaveLength(run.files.length - 1);
    // Act: the early event names an object that does not exist yet; then the rest, markers first
    await send([s3Event(key(early.name), { size: readFileSync(early.path).length, etag: 'not-yet-written' })]);
    await send(
      order.flatMap((file) => [gatewayEvent(key(file.name), infos.get(file.name)!), s3Event(key(file.name), infos.get(file.name)!)]),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // beyond the 1 s completeness sweep: Sample02 must wait for its R2
    const startedBeforeR2 = readBusLog(stateDir)
      .filter((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId)
      .map((e) => e.detail.sampleId);
    const info = await storage.put(LANDING, key(early.name), readFileSync(early.path));
    await send([s3Event(key(early.name), info), gatewayEvent(key(early.name), info)]);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 2);
    // Assess
    expect(startedBeforeR2, 'Sample02 started before its R2 existed').not.toContain('Sample02');
    await expectNoLossNoDuplicates({
      stateDir,
      catalog: runtime.catalog,
      team: TEAM,
      runId,
      statuses: { Sample01: 'COMPLETED', Sample02: 'COMPLETED' },
      sourceDir: path.join(stateDir, 'instrument', runId),
      shareFiles: run.files.map((file) => file.name),
    });
    const starts = readBusLog(stateDir)
      .filter((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId)
      .map((e) => e.detail.sampleId);
    expect(starts.sort()).toEqual(['Sample01', 'Sample02']);
  }, 120_000);

  it('catalogs nothing for objects deleted before their events arrive, and dead-letters nothing', async () => {
    // Prepare: a whole run folder written to landing, then deleted (an operator removed a wrong upload)
    const runId = '261123_LH00417_0521_B22DELETE';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 54,
      samples: 1,
      readsPerSample: 100,
      team: TEAM,
    });
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    const events = [];
    for (const file of run.files) {
      const key = `incoming/${TEAM}/${runId}/${file.name}`;
      const info = await storage.put(LANDING, key, readFileSync(file.path));
      await storage.delete(LANDING, key);
      events.push(s3Event(key, info), gatewayEvent(key, info));
    }
    // Act: the events arrive after the deletes, twice
    await send([...events, ...events]);
    await waitFor(
      'the landing function to have handled every event',
      () => {
        const handled = readBusLog(stateDir).filter(
          (e) =>
            (e['detail-type'] === 'Object Created' || e['detail-type'] === 'Storage Gateway Object Upload Event') &&
            JSON.stringify(e.detail).includes(runId),
        );
        return handled.length >= events.length * 2 || undefined;
      },
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two completeness sweeps (1 s each) see the run folder too
    // Assess: nothing cataloged, nothing started, no dead letters, the runtime alive
    expect(await runtime.catalog.runs.listFiles(TEAM, runId)).toEqual([]);
    expect(await runtime.catalog.samples.listInRun(TEAM, runId)).toEqual([]);
    expect(
      readBusLog(stateDir)
        .filter((e) => e.source === 'landfall' && e.detail.runId === runId)
        .map((e) => e['detail-type']),
    ).toEqual([]);
    const deadLetters = path.join(stateDir, 'bus', 'dead-letters.jsonl');
    expect(existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8') : '', 'dead letters').toBe('');
    expect(runtime.child.exitCode).toBeNull();
  }, 60_000);
});
