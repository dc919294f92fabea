import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { Catalog } from '../../../functions/catalog/Catalog.ts';
import type { VersionFile } from '../../../functions/catalog/types.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

const file = (name: string, md5: string): VersionFile => ({
  name,
  bucket: 'landing',
  key: `incoming/t/r/${name}`,
  size: 10,
  etag: md5,
  md5,
  read: 'R1',
  lane: 1,
  reads: 1,
});

describe('Catalog (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let catalog: Catalog;
  beforeAll(async () => {
    test = await startTestCatalog();
    catalog = test.catalog;
  });
  afterAll(async () => test.stop());

  describe('Runs: recordFile', () => {
    it('records a new identity once and reports repeats of the same identity as unchanged', async () => {
      // Prepare
      const landed = {
        name: 'a.fastq.gz',
        bucket: 'landing',
        key: 'incoming/team-a/run1/a.fastq.gz',
        size: 5,
        etag: '"e1"',
        versionId: 'v1',
        landedAt: new Date().toISOString(),
      };
      // Act
      const first = await catalog.runs.recordFile('team-a', 'run1', landed);
      const repeat = await catalog.runs.recordFile('team-a', 'run1', { ...landed, landedAt: new Date().toISOString() });
      const changed = await catalog.runs.recordFile('team-a', 'run1', { ...landed, etag: '"e2"', versionId: 'v2' });
      // Assess
      expect([first.changed, repeat.changed, changed.changed]).toEqual([true, false, true]);
      expect(await catalog.runs.listFiles('team-a', 'run1')).toMatchObject([{ name: 'a.fastq.gz', etag: '"e2"' }]);
      expect(await catalog.runs.get('team-a', 'run1')).toMatchObject({ status: 'RECEIVING' });
    });

    it("creates a run's item at its first file only, once per process: later files write just their own item", async () => {
      // Prepare: a process's catalog client, counting its writes
      const dynamo = new DynamoDBClient({ endpoint: test.server.endpoint, region: 'eu-west-1', credentials: test.server.credentials });
      const writes: string[] = [];
      dynamo.middlewareStack.add(
        (next, context) => async (args) => {
          writes.push(context.commandName ?? '');
          return next(args);
        },
        { step: 'initialize' },
      );
      const processCatalog = new Catalog('landfall-catalog', dynamo);
      const landed = (name: string) => ({
        name,
        bucket: 'landing',
        key: `incoming/team-b/run2/${name}`,
        size: 5,
        etag: `"${name}"`,
        landedAt: new Date().toISOString(),
      });

      // Act
      await processCatalog.runs.recordFile('team-b', 'run2', landed('a.fastq.gz'));
      const afterFirst = writes.length;
      await processCatalog.runs.recordFile('team-b', 'run2', landed('b.fastq.gz'));
      await processCatalog.runs.recordFile('team-b', 'run2', landed('c.fastq.gz'));

      // Assess
      expect(afterFirst).toBe(2); // the run item, then the file's
      expect(writes.length - afterFirst).toBe(2); // one per later file
      expect(await processCatalog.runs.get('team-b', 'run2')).toMatchObject({ status: 'RECEIVING' });
      expect((await processCatalog.runs.listFiles('team-b', 'run2')).map((file) => file.name)).toEqual([
        'a.fastq.gz',
        'b.fastq.gz',
        'c.fastq.gz',
      ]);
    });
  });

  describe('Samples: claimVersion', () => {
    it('maps the same file set to the same ordinal and a changed set to the next, under concurrency', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S1' };
      const clients = Array.from({ length: 6 }, () => test.client());
      // Act: six racers for hash A, then six for hashes B and C interleaved
      const sameHash = await Promise.all(clients.map((client) => client.samples.claimVersion(ref, 'hash-a', [file('x', '1')], 'READY')));
      const mixed = await Promise.all(
        clients.map((client, i) => client.samples.claimVersion(ref, i % 2 ? 'hash-b' : 'hash-c', [file('x', String(i))], 'READY')),
      );
      // Assess
      expect(sameHash.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(sameHash.map((result) => result.version.version))).toEqual(new Set([1]));
      const ordinals = new Map(mixed.map((result) => [result.version.versionHash, result.version.version]));
      expect([...ordinals.values()].sort()).toEqual([2, 3]);
      expect(mixed.filter((result) => result.created)).toHaveLength(2);
      expect((await catalog.samples.listVersions(ref)).map((v) => [v.version, v.versionHash])).toEqual([
        [1, 'hash-a'],
        [2, mixed.find((r) => r.version.version === 2)!.version.versionHash],
        [3, mixed.find((r) => r.version.version === 3)!.version.versionHash],
      ]);
    });
  });

  describe('Samples: a version with thousands of files (a MinKNOW barcode of a PromethION flow cell)', () => {
    // ~300 bytes each as stored: 3,000 files are ~1 MB, more than twice what one DynamoDB item may hold (400 KB).
    const chunks = Array.from({ length: 3000 }, (_, i) => ({
      ...file(`fastq_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_${i}.fastq.gz`, i.toString(16).padStart(32, '0')),
      part: i + 1,
    }));
    const ref = { team: 'team-a', runId: 'run-ont', sampleId: 'barcode01' };

    it('is cataloged whole and read back whole by every reader, each item under the limit', async () => {
      // Act
      const claimed = await catalog.samples.claimVersion(ref, 'hash-long', chunks, 'READY');
      await catalog.steps.put({ ...ref, version: 1, step: 'qc', status: 'RUNNING', jobName: 'job-qc', region: 'eu-west-1' });
      const again = await catalog.samples.claimVersion(ref, 'hash-long', chunks, 'READY');
      // Assess: the same version, its files whole from each way of reading it, in order
      expect([claimed.created, again.created, claimed.version.version, again.version.version]).toEqual([true, false, 1, 1]);
      const read = [
        again.version,
        await catalog.samples.getVersion({ ...ref, version: 1 }),
        (await catalog.samples.listVersions(ref))[0],
        (await catalog.steps.versionWithSteps({ ...ref, version: 1 })).version,
      ];
      for (const version of read) expect(version?.files.map((entry) => entry.name)).toEqual(chunks.map((entry) => entry.name));
      expect((await catalog.steps.versionWithSteps({ ...ref, version: 1 })).steps.map((step) => step.step)).toEqual(['qc']);
    });

    it('keeps files a rejection moved, long or short, replacing the list it had', async () => {
      // Prepare
      const moved = chunks.map((entry) => ({ ...entry, bucket: 'quarantine', key: `q/${entry.name}` }));
      // Act + Assess: a long list replaced by another long one, then by a short one
      await catalog.samples.updateVersion({ ...ref, version: 1 }, { status: 'REJECTED', files: moved });
      expect((await catalog.samples.getVersion({ ...ref, version: 1 }))?.files.map((entry) => entry.key)).toEqual(
        moved.map((entry) => entry.key),
      );
      await catalog.samples.updateVersion({ ...ref, version: 1 }, { files: moved.slice(0, 2) });
      expect((await catalog.samples.getVersion({ ...ref, version: 1 }))?.files.map((entry) => entry.key)).toEqual(
        moved.slice(0, 2).map((entry) => entry.key),
      );
    });

    it('keeps sets of other content apart, each read back as written, and writes the same content to the same set', async () => {
      // Prepare
      const whole = await catalog.samples.fileSets.put(ref, 'landed', chunks);
      const part = await catalog.samples.fileSets.put(ref, 'landed', chunks.slice(0, 10));
      const again = await catalog.samples.fileSets.put(ref, 'landed', chunks);
      // Act
      const wholeRead = await catalog.samples.fileSets.get<{ name: string }>(ref, whole);
      const partRead = await catalog.samples.fileSets.get<{ name: string }>(ref, part);
      // Assess
      expect(again).toEqual(whole);
      expect(part.fileSet).not.toBe(whole.fileSet);
      expect(wholeRead.map((entry) => entry.name)).toEqual(chunks.map((entry) => entry.name));
      expect(partRead.map((entry) => entry.name)).toEqual(chunks.slice(0, 10).map((entry) => entry.name));
    });

    it('refuses to hand out a file set of which an item is missing, naming the set and what it holds', async () => {
      // Prepare: a set written whole, then one of its items lost
      const set = await catalog.samples.fileSets.put(ref, 'partial', chunks);
      const doc = DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: test.server.endpoint, region: 'eu-west-1', credentials: test.server.credentials }),
      );
      await doc.send(new DeleteCommand({ TableName: catalog.tableName, Key: keys.fileSet(ref, set.fileSet, 1) }));
      // Act + Assess
      await expect(catalog.samples.fileSets.get(ref, set)).rejects.toThrow(
        new RegExp(`file set ${set.fileSet} of team-a/run-ont/barcode01 holds \\d+ of its 3000 entries`),
      );
    });
  });

  describe('Executions: markStarted', () => {
    it('records the execution of a version exactly once', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S2' };
      const { version } = await catalog.samples.claimVersion(ref, 'h', [file('y', '2')], 'READY');
      const execution = {
        ...ref,
        version: version.version,
        executionName: 'e',
        executionArn: 'arn:e',
        pipeline: 'demo',
        generation: 0,
        startedAt: new Date().toISOString(),
      };
      // Act
      const results = await Promise.all(Array.from({ length: 5 }, () => test.client().executions.markStarted(execution, execution)));
      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await catalog.samples.getVersion(execution)).toMatchObject({ status: 'RUNNING', executionName: 'e' });
      expect(await catalog.executions.get('e')).toMatchObject({ sampleId: 'S2', generation: 0 });
    });
  });

  describe('Steps: recordPublished', () => {
    it('hands out increasing sequence numbers and publishes a step once', async () => {
      // Prepare
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S3' };
      const { version } = await catalog.samples.claimVersion(ref, 'h3', [file('z', '3')], 'READY');
      const vref = { ...ref, version: version.version };
      // Act
      const qc = await catalog.steps.recordPublished(vref, 'qc', [{ key: 'k1', size: 1, md5: 'm' }], 1);
      const trim = await catalog.steps.recordPublished(vref, 'trim', [{ key: 'k2', size: 2, md5: 'n' }], 2);
      const again = await catalog.steps.recordPublished(vref, 'qc', [{ key: 'k1', size: 1, md5: 'm' }], 1);
      // Assess
      expect([qc, trim, again]).toEqual([
        { first: true, sequence: 1 },
        { first: true, sequence: 2 },
        { first: false, sequence: 1 },
      ]);
      expect((await catalog.steps.list(vref)).map((step) => [step.step, step.sequence, step.attempt])).toEqual([
        ['qc', 1, 1],
        ['trim', 2, 2],
      ]);
    });
  });

  describe('Steps: versionWithSteps', () => {
    it('reads a version and its steps in one query, nothing of the sample’s other versions', async () => {
      // Prepare: two versions of one sample, each with a published step
      const ref = { team: 'team-a', runId: 'run1', sampleId: 'S7' };
      const first = (await catalog.samples.claimVersion(ref, 'h7a', [file('y', '7')], 'READY')).version;
      const second = (await catalog.samples.claimVersion(ref, 'h7b', [file('y', '8')], 'READY')).version;
      await catalog.steps.recordPublished({ ...ref, version: first.version }, 'qc', [{ key: 'k1', size: 1, md5: 'm' }], 1);
      await catalog.steps.recordPublished({ ...ref, version: second.version }, 'trim', [{ key: 'k2', size: 1, md5: 'm' }], 1);
      // Act
      const { version, steps } = await catalog.steps.versionWithSteps({ ...ref, version: first.version });
      // Assess
      expect(version).toMatchObject({ version: first.version, versionHash: 'h7a', status: 'READY' });
      expect(steps.map((step) => [step.step, step.version])).toEqual([['qc', first.version]]);
    });
  });

  describe('Samples: setStatus / listForTeam', () => {
    it('serves samples by team and status from the index', async () => {
      // Prepare
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'A' }, 'RUNNING');
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'B' }, 'COMPLETED');
      await catalog.samples.setStatus({ team: 'team-b', runId: 'r', sampleId: 'A' }, 'COMPLETED');
      // Act
      const completed = await catalog.samples.listForTeam('team-b', 'COMPLETED');
      const running = await catalog.samples.listForTeam('team-b', 'RUNNING');
      // Assess
      expect(completed.map((sample) => sample.sampleId).sort()).toEqual(['A', 'B']);
      expect(running).toEqual([]);
    });
  });
});
