import { mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectCreatedEvent } from '../../../events/schemas/s3.ts';
import { StorageGatewayObjectUploadEvent } from '../../../events/schemas/storage-gateway.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { ShareWatcher } from '../../../runtime/share/ShareWatcher.ts';
import { waitFor } from '../../support/runtimeProcess.ts';

describe('ShareWatcher (plays S3 File Gateway on a folder)', () => {
  let dir: string;
  let share: string;
  let storage: FolderStorage;
  let events: BusEvent[];
  let problems: string[];
  let watcher: ShareWatcher;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-share-'));
    share = path.join(dir, 'share');
    await mkdir(path.join(dir, 'buckets', 'landing'), { recursive: true });
    await mkdir(share);
    storage = new FolderStorage(path.join(dir, 'buckets'));
    events = [];
    problems = [];
    watcher = new ShareWatcher({
      shareDir: share,
      storage,
      landingBucket: 'landing',
      events: { publish: async (published) => void events.push(...published) },
      region: 'eu-west-1',
      settleMs: 150,
      pollMs: 30,
      rescanMs: 200,
      onProblem: (file, message) => problems.push(`${path.relative(share, file)}: ${message}`),
    });
    await watcher.start();
  });
  afterEach(async () => {
    await watcher.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const keysOf = (detailType: string) =>
    events
      .filter((e) => e['detail-type'] === detailType)
      .map((e) =>
        e.source === 'aws.s3' ? (e.detail as { object: { key: string } }).object.key : (e.detail as { 'object-key': string })['object-key'],
      );

  it('lands a settled file under incoming/ and emits both AWS events with their real shapes', async () => {
    // Prepare
    await mkdir(path.join(share, 'genomics', 'RUN1'), { recursive: true });
    // Act
    await writeFile(path.join(share, 'genomics', 'RUN1', 'a b+c%.txt'), 'hello');
    await waitFor('two events', () => (events.length >= 2 ? true : undefined), 10_000);
    // Assess
    expect(S3ObjectCreatedEvent.parse(events[0]).detail.object).toMatchObject({ key: 'incoming/genomics/RUN1/a b+c%.txt', size: 5 });
    expect(StorageGatewayObjectUploadEvent.parse(events[1]).detail).toMatchObject({
      'object-key': 'incoming/genomics/RUN1/a b+c%.txt',
      'object-size': 5,
      prefix: 'incoming/genomics/RUN1/',
      'bucket-name': 'landing',
    });
    expect((await storage.getBytes('landing', 'incoming/genomics/RUN1/a b+c%.txt')).toString()).toBe('hello');
  });

  it('waits while a file keeps growing, lands it once complete, and re-lands it when it changes later', async () => {
    // Prepare
    const file = path.join(share, 'genomics', 'RUN2', 'growing.txt');
    await mkdir(path.dirname(file), { recursive: true });
    // Act: write in pieces faster than the settle window
    await writeFile(file, 'a');
    for (const piece of ['b', 'c', 'd']) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await appendFile(file, piece);
    }
    await waitFor('first landing', () => (keysOf('Object Created').length === 1 ? true : undefined), 10_000);
    const first = (await storage.getBytes('landing', 'incoming/genomics/RUN2/growing.txt')).toString();
    await appendFile(file, 'e');
    await waitFor('re-landing', () => (keysOf('Object Created').length === 2 ? true : undefined), 10_000);
    // Assess
    expect(first).toBe('abcd');
    expect((await storage.getBytes('landing', 'incoming/genomics/RUN2/growing.txt')).toString()).toBe('abcde');
  });

  it('ignores temporary files and reports files outside a run folder once, leaving them on the share', async () => {
    // Act
    await mkdir(path.join(share, 'genomics', 'RUN3'), { recursive: true });
    await writeFile(path.join(share, 'genomics', 'RUN3', '.partial-copy'), 'x');
    await writeFile(path.join(share, 'genomics', 'RUN3', 'upload.tmp'), 'x');
    await writeFile(path.join(share, 'genomics', 'loose.txt'), 'x');
    await writeFile(path.join(share, 'genomics', 'RUN3', 'real.txt'), 'x');
    await waitFor('real.txt', () => (keysOf('Object Created').length === 1 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few rescans
    // Assess
    expect(keysOf('Object Created')).toEqual(['incoming/genomics/RUN3/real.txt']);
    expect(problems).toEqual(['genomics/loose.txt: files must be inside share/<team>/<run>/; left on the share, not landed']);
  });
});
