import { execFileSync } from 'node:child_process';
import { appendFile, lstat, mkdir, mkdtemp, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectCreatedEvent } from '../../../contracts/events/s3.ts';
import { StorageGatewayObjectUploadEvent } from '../../../contracts/events/storage-gateway.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { ShareWatcher, type SkippedShareEntry } from '../../../runtime/share/ShareWatcher.ts';
import { waitFor } from '../../support/runtimeProcess.ts';

describe('ShareWatcher (plays S3 File Gateway on a folder)', () => {
  let dir: string;
  let share: string;
  let storage: FolderStorage;
  let events: BusEvent[];
  let problems: string[];
  let skipped: SkippedShareEntry[];
  let cleared: string[];
  let watcher: ShareWatcher;
  let servers: Server[];

  /** The test's watcher over `share`, started (a test may stop it and start one with other windows). */
  const watchShare = async (overrides: Partial<ConstructorParameters<typeof ShareWatcher>[0]> = {}) => {
    const started = new ShareWatcher({
      shareDir: share,
      storage,
      landingBucket: 'landing',
      events: { publish: async (published) => void events.push(...published) },
      region: 'eu-west-1',
      settleMs: 150,
      pollMs: 30,
      rescanMs: 200,
      teams: ['genomics', 'microbio'],
      stopTimeoutMs: 2000,
      onProblem: (file, message) => problems.push(`${path.relative(share, file)}: ${message}`),
      onSkipped: (entry) => skipped.push(entry),
      onSkipCleared: (entry) => cleared.push(entry.path),
      ...overrides,
    });
    await started.start();
    return started;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-share-'));
    share = path.join(dir, 'share');
    await mkdir(path.join(dir, 'buckets', 'landing'), { recursive: true });
    await mkdir(share);
    storage = new FolderStorage(path.join(dir, 'buckets'));
    events = [];
    problems = [];
    skipped = [];
    cleared = [];
    servers = [];
    watcher = await watchShare();
  });
  afterEach(async () => {
    await watcher.stop();
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const keysOf = (detailType: string) =>
    events
      .filter((e) => e['detail-type'] === detailType)
      .map((e) =>
        e.source === 'aws.s3' ? (e.detail as { object: { key: string } }).object.key : (e.detail as { 'object-key': string })['object-key'],
      );
  const landedKeys = async () => (await storage.list('landing', 'incoming/')).map((object) => object.key).sort();
  const skippedAs = () => Object.fromEntries(skipped.map((entry) => [entry.path, entry.kind]));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    // a settle window far longer than the pauses between pieces: a stalled test process must not look like a writer that stopped
    await watcher.stop();
    watcher = await watchShare({ settleMs: 1000 });
    // Act: write in pieces faster than the settle window
    await writeFile(file, 'a');
    for (const piece of ['b', 'c', 'd']) {
      await pause(60);
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

  it('lands a file copied again with the same size and its old modification time (rsync -a, cp -p), in place or anew', async () => {
    // Prepare: two landed FASTQs, as a first, damaged copy brought them
    const run = path.join(share, 'genomics', 'RUN11');
    await mkdir(run, { recursive: true });
    const [anew, inPlace] = [path.join(run, 'A_R1_001.fastq.gz'), path.join(run, 'B_R1_001.fastq.gz')];
    await writeFile(anew, 'reads AAAX');
    await writeFile(inPlace, 'reads BBBX');
    await waitFor('both landed', async () => ((await landedKeys()).length === 2 ? true : undefined), 10_000);
    // Both copies keep the instrument's time: the first copy's modification time is the good copy's too
    const instrumentTime = (await lstat(anew)).mtime;
    await utimes(inPlace, instrumentTime, instrumentTime);
    await waitFor(
      'B landed again with that time',
      async () => (keysOf('Object Created').filter((key) => key.endsWith('B_R1_001.fastq.gz')).length === 2 ? true : undefined),
      10_000,
    );
    // Act: the good copy, the same size, its modification time kept — A removed and copied anew, B copied over
    await rm(anew);
    await writeFile(anew, 'reads AAAA');
    await writeFile(inPlace, 'reads BBBB');
    for (const file of [anew, inPlace]) await utimes(file, instrumentTime, instrumentTime);
    const bytesOf = async (file: string) =>
      (await storage.getBytes('landing', `incoming/genomics/RUN11/${path.basename(file)}`)).toString();
    await waitFor(
      'the good bytes landed',
      async () => ((await bytesOf(anew)) === 'reads AAAA' && (await bytesOf(inPlace)) === 'reads BBBB' ? true : undefined),
      10_000,
    );
    // Assess: A landed twice, B three times (the time set back is a change too), each landing announced
    expect(keysOf('Object Created').filter((key) => key.includes('/RUN11/'))).toHaveLength(5);
  });

  it('reports temporary and hidden files, files outside a run folder and unconfigured teams once, landing none of them', async () => {
    // Act
    await mkdir(path.join(share, 'genomics', 'RUN3', '.cache'), { recursive: true });
    await mkdir(path.join(share, 'physics', 'RUN9'), { recursive: true });
    await writeFile(path.join(share, 'genomics', 'RUN3', '.partial-copy'), 'x');
    await writeFile(path.join(share, 'genomics', 'RUN3', '.cache', 'index'), 'x');
    await writeFile(path.join(share, 'genomics', 'RUN3', 'upload.tmp'), 'x');
    await writeFile(path.join(share, 'genomics', 'loose.txt'), 'x');
    await writeFile(path.join(share, 'physics', 'RUN9', 'S1_R1_001.fastq.gz'), 'x');
    await writeFile(path.join(share, 'genomics', 'RUN3', 'real.txt'), 'x');
    await waitFor('real.txt', () => (keysOf('Object Created').length === 1 ? true : undefined), 10_000);
    await waitFor('five skipped', () => (skipped.length >= 5 ? true : undefined), 10_000);
    await pause(600); // a few rescans: nothing is reported twice
    // Assess
    expect(keysOf('Object Created')).toEqual(['incoming/genomics/RUN3/real.txt']);
    expect(await landedKeys()).toEqual(['incoming/genomics/RUN3/real.txt']);
    expect(skippedAs()).toEqual({
      'genomics/RUN3/.partial-copy': 'hidden',
      'genomics/RUN3/.cache/index': 'hidden',
      'genomics/RUN3/upload.tmp': 'temporary',
      'genomics/loose.txt': 'outside-run-folder',
      'physics/RUN9/S1_R1_001.fastq.gz': 'unknown-team',
    });
    expect(skipped).toHaveLength(5);
    expect(skipped.find((entry) => entry.path === 'genomics/loose.txt')).toMatchObject({
      team: 'genomics',
      reason:
        'outside a run folder: files land only from share/<team>/<run>/ (one folder per run); move it into its run folder there, or delete it if it is not data; left on the share, not landed',
    });
    // An unconfigured folder is nobody's team: only the operator sees it.
    expect(skipped.find((entry) => entry.kind === 'unknown-team')).toEqual({
      path: 'physics/RUN9/S1_R1_001.fastq.gz',
      kind: 'unknown-team',
      reason: expect.stringContaining('"physics" is not a team in the config'),
    });
    expect(problems).toEqual([]);
  });

  it('never follows a link: links to files, folders and devices, and a linked run folder, are reported and not landed', async () => {
    // Prepare: the targets a hostile or careless link could reach
    const outside = path.join(dir, 'outside');
    await mkdir(path.join(outside, 'run-elsewhere'), { recursive: true });
    await writeFile(path.join(outside, 'tokens.json'), '{"operator":"secret"}');
    await writeFile(path.join(outside, 'run-elsewhere', 'S1_R1_001.fastq.gz'), 'reads');
    await mkdir(path.join(share, 'microbio', 'RUNM'), { recursive: true });
    await writeFile(path.join(share, 'microbio', 'RUNM', 'M1_R1_001.fastq.gz'), 'microbio reads');
    const run = path.join(share, 'genomics', 'RUN4');
    await mkdir(run, { recursive: true });
    // Act
    await symlink(path.join(outside, 'tokens.json'), path.join(run, 'tokens.json'));
    await symlink('../../microbio/RUNM/M1_R1_001.fastq.gz', path.join(run, 'M1_R1_001.fastq.gz'));
    await symlink('/dev/null', path.join(run, 'zeros.fastq.gz'));
    await symlink(outside, path.join(run, 'etc'));
    await symlink(path.join(outside, 'run-elsewhere'), path.join(share, 'genomics', 'RUN-LINKED'));
    await writeFile(path.join(run, 'real.txt'), 'real');
    await waitFor('the real files', async () => ((await landedKeys()).length === 2 ? true : undefined), 10_000);
    await waitFor('five links', () => (skipped.length >= 5 ? true : undefined), 10_000);
    // A link created after the watcher started and settled
    await symlink(path.join(outside, 'tokens.json'), path.join(run, 'late-link.txt'));
    await waitFor('the late link', () => (skipped.length >= 6 ? true : undefined), 10_000);
    await pause(600);
    // Assess
    expect(await landedKeys()).toEqual(['incoming/genomics/RUN4/real.txt', 'incoming/microbio/RUNM/M1_R1_001.fastq.gz']);
    expect(skippedAs()).toEqual({
      'genomics/RUN4/tokens.json': 'symlink',
      'genomics/RUN4/M1_R1_001.fastq.gz': 'symlink',
      'genomics/RUN4/zeros.fastq.gz': 'symlink',
      'genomics/RUN4/etc': 'symlink',
      'genomics/RUN-LINKED': 'symlink',
      'genomics/RUN4/late-link.txt': 'symlink',
    });
    expect(skipped.find((entry) => entry.path === 'genomics/RUN4/tokens.json')).toEqual({
      path: 'genomics/RUN4/tokens.json',
      team: 'genomics',
      runId: 'RUN4',
      kind: 'symlink',
      reason: `a symbolic link to ${path.join(outside, 'tokens.json')}, not landed: the share never follows links (an S3 File Gateway share does not either): copy the data itself into the share`,
    });
    expect(problems).toEqual([]);
  });

  it('replacing a reported link with the file itself lands the file and clears the report', async () => {
    // Prepare
    const run = path.join(share, 'genomics', 'RUN5');
    await mkdir(run, { recursive: true });
    await writeFile(path.join(dir, 'S1_R1_001.fastq.gz'), 'reads');
    await symlink(path.join(dir, 'S1_R1_001.fastq.gz'), path.join(run, 'S1_R1_001.fastq.gz'));
    await waitFor('the link reported', () => (skipped.length === 1 ? true : undefined), 10_000);
    // Act
    await rm(path.join(run, 'S1_R1_001.fastq.gz'));
    await writeFile(path.join(run, 'S1_R1_001.fastq.gz.part'), 'reads');
    await rename(path.join(run, 'S1_R1_001.fastq.gz.part'), path.join(run, 'S1_R1_001.fastq.gz'));
    await waitFor('the file', async () => ((await landedKeys()).length === 1 ? true : undefined), 10_000);
    // Assess
    expect(await landedKeys()).toEqual(['incoming/genomics/RUN5/S1_R1_001.fastq.gz']);
    expect(cleared).toEqual(['genomics/RUN5/S1_R1_001.fastq.gz']);
    expect(watcher.skipped).toEqual([]);
  });

  /** A watcher over a share of its own whose runtime has room only once `busy.room` is set; returns its run folder. */
  const watchBusyShare = async (name: string, runId: string, timing: { settleMs: number; rescanMs: number }, busy: { room: boolean }) => {
    await watcher.stop();
    const run = path.join(dir, name, 'genomics', runId);
    await mkdir(run, { recursive: true });
    watcher = new ShareWatcher({
      shareDir: path.join(dir, name),
      storage,
      landingBucket: 'landing',
      events: { publish: async (published) => void events.push(...published) },
      region: 'eu-west-1',
      pollMs: 20,
      ...timing,
      canLand: () => busy.room,
    });
    await watcher.start();
    return run;
  };

  it('holds settled files on the share while the runtime signals back-pressure, and lands them once it has room', async () => {
    // Prepare: a second watcher over its own share, whose runtime is busy
    const busy = { room: false };
    const run = await watchBusyShare('busy-share', 'RUN7', { settleMs: 50, rescanMs: 200 }, busy);
    // Act
    for (let i = 1; i <= 3; i++) await writeFile(path.join(run, `S${i}_R1_001.fastq.gz`), `reads ${i}`);
    await waitFor('all three seen', () => (watcher.pendingCount === 3 ? true : undefined), 10_000);
    await pause(600); // well past the settle window
    // A settled file rewritten while it waits for room lands as it is when room comes
    await writeFile(path.join(run, 'S2_R1_001.fastq.gz'), 'reads 2, written again');
    await pause(300);
    const whileBusy = await landedKeys();
    const pendingWhileBusy = watcher.pendingCount;
    busy.room = true;
    await waitFor('all three', async () => ((await landedKeys()).length === 3 ? true : undefined), 10_000);
    // Assess
    expect(whileBusy).toEqual([]);
    expect(pendingWhileBusy).toBe(3);
    expect((await storage.getBytes('landing', 'incoming/genomics/RUN7/S2_R1_001.fastq.gz')).toString()).toBe('reads 2, written again');
  });

  it('lets files settle while the runtime signals back-pressure, so they land as soon as it has room, not a settle window later', async () => {
    // Prepare: a watcher with a long settle window over its own share, whose runtime is busy
    const busy = { room: false };
    const settleMs = 1_500;
    const run = await watchBusyShare('busy-share-settling', 'RUN9', { settleMs, rescanMs: 60_000 }, busy);
    // Act: one file settles and waits for room; a second is written while it waits, and the runtime stays busy
    // well past the second's settle window too
    await writeFile(path.join(run, 'S1_R1_001.fastq.gz'), 'reads 1');
    await pause(settleMs + 300);
    await writeFile(path.join(run, 'S2_R1_001.fastq.gz'), 'reads 2');
    await pause(settleMs + 700);
    const roomAt = Date.now();
    busy.room = true;
    const landedHere = async () => (await landedKeys()).filter((key) => key.startsWith('incoming/genomics/RUN9/'));
    await waitFor('both files', async () => ((await landedHere()).length === 2 ? true : undefined), 10_000);
    // Assess: the second settled while the first waited in line, so both landed well within one settle window of the room
    expect(Date.now() - roomAt).toBeLessThan(settleMs - 500);
  });

  it('lands the next settled file as soon as a landing slot frees, not a poll period later', async () => {
    // Prepare: one landing at a time and a long poll period, over its own share
    await watcher.stop();
    const slowShare = path.join(dir, 'slow-share');
    await mkdir(path.join(slowShare, 'genomics', 'RUN8'), { recursive: true });
    const landedAt: number[] = [];
    const pollMs = 3_000;
    watcher = new ShareWatcher({
      shareDir: slowShare,
      storage,
      landingBucket: 'landing',
      events: {
        publish: async (published) => {
          for (const event of published) if (event['detail-type'] === 'Object Created') landedAt.push(Date.now());
        },
      },
      region: 'eu-west-1',
      settleMs: 50,
      pollMs,
      rescanMs: 60_000,
      maxConcurrentLandings: 1,
    });
    await watcher.start();
    // Act
    for (let i = 1; i <= 6; i++) await writeFile(path.join(slowShare, 'genomics', 'RUN8', `S${i}_R1_001.fastq.gz`), `reads ${i}`);
    await waitFor('all six', async () => ((await landedKeys()).length === 6 ? true : undefined), 30_000);
    // Assess: all six in one poll period (a poll period apart, they would take five)
    expect(landedAt).toHaveLength(6);
    expect(landedAt.at(-1)! - landedAt[0]!).toBeLessThan(pollMs);
  });

  /** A watcher over its own share whose storage puts of FASTQs wait `delayMs`, or fail for names `failing` matches. */
  const watchSlowShare = async (options: {
    delayMs?: number;
    failing?: RegExp;
    overrides?: Partial<ConstructorParameters<typeof ShareWatcher>[0]>;
  }) => {
    await watcher.stop();
    const slowShare = path.join(dir, 'slow-share');
    await mkdir(slowShare, { recursive: true });
    const slowStorage = new Proxy(storage, {
      get(target, property) {
        if (property === 'put')
          return async (...args: Parameters<FolderStorage['put']>) => {
            if (options.failing?.test(args[1])) throw new Error('the gateway cache disk is full');
            if (args[1].endsWith('.fastq.gz')) await pause(options.delayMs ?? 0);
            return target.put(...args);
          };
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    watcher = new ShareWatcher({
      shareDir: slowShare,
      storage: slowStorage,
      landingBucket: 'landing',
      events: { publish: async (published) => void events.push(...published) },
      region: 'eu-west-1',
      settleMs: 50,
      pollMs: 20,
      rescanMs: 200,
      onProblem: (file, message) => problems.push(`${path.relative(slowShare, file)}: ${message}`),
      ...options.overrides,
    });
    await watcher.start();
    return slowShare;
  };

  it('lets a file settle between polls while other files land, so it lands without waiting for the next poll', async () => {
    // Prepare: one slow landing at a time and a long poll period
    const pollMs = 3_000;
    const slowShare = await watchSlowShare({ delayMs: 150, overrides: { pollMs, maxConcurrentLandings: 1 } });
    const run = path.join(slowShare, 'genomics', 'RUN10');
    await mkdir(run, { recursive: true });
    const fastqs = Array.from({ length: 8 }, (_, i) => `S${i + 1}_L001_R1_001.fastq.gz`);
    for (const [i, name] of fastqs.entries()) await writeFile(path.join(run, name), `reads ${i}`);
    await waitFor('the first landed', async () => ((await landedKeys()).length > 0 ? true : undefined), 20_000);
    // Act: a file written while the others land, one every 150 ms
    const writtenAt = Date.now();
    await writeFile(path.join(run, 'SampleSheet.csv'), '[Data]\nSample_ID\n');
    await waitFor(
      'the sheet',
      async () => ((await landedKeys()).some((key) => key.endsWith('SampleSheet.csv')) ? true : undefined),
      20_000,
    );
    // Assess: its two looks (the first, then one a settle window later) came at ended landings: within one poll period,
    // where polls alone would take two
    expect(Date.now() - writtenAt).toBeLessThan(pollMs);
  });

  it('lands a run folder’s completion marker after every file written before it, also those landing slowly or in a new sub-folder', async () => {
    // Prepare: a second watcher over its own share whose FASTQ uploads are slow
    const slowShare = await watchSlowShare({ delayMs: 150 });
    const run = path.join(slowShare, 'genomics', 'RUN8');
    await mkdir(run, { recursive: true });
    // Act: as bcl2fastq writes a run — FASTQs in a project sub-folder, then the marker at the top
    const fastqs = Array.from({ length: 6 }, (_, i) => `ProjA/S${i + 1}/S${i + 1}_S${i + 1}_L001_R1_001.fastq.gz`);
    await mkdir(path.join(run, 'ProjA'), { recursive: true });
    for (const [i, name] of fastqs.entries()) {
      await mkdir(path.dirname(path.join(run, name)), { recursive: true });
      await writeFile(path.join(run, name), `reads ${i}`);
    }
    await pause(20);
    await writeFile(path.join(run, 'CopyComplete.txt'), '');
    await waitFor('all seven', async () => ((await landedKeys()).length === 7 ? true : undefined), 20_000);
    // Assess: the marker's event is the last of the run's
    const order = keysOf('Object Created').map((key) => key.replace('incoming/genomics/RUN8/', ''));
    expect(order.at(-1)).toBe('CopyComplete.txt');
    expect(order.slice(0, -1).sort()).toEqual([...fastqs].sort());
  });

  it('holds a completion marker copied with the instrument’s older modification time for the files copied before it', async () => {
    // Prepare: a share whose FASTQ uploads are slow
    const slowShare = await watchSlowShare({ delayMs: 150 });
    const run = path.join(slowShare, 'genomics', 'RUN9');
    await mkdir(path.join(run, 'ProjA'), { recursive: true });
    // Act: a copy that keeps modification times (rsync -a, cp -p, robocopy): the FASTQs, demultiplexed after the
    // run, then CopyComplete.txt, written by the instrument an hour before them
    const fastqs = Array.from({ length: 4 }, (_, i) => `ProjA/S${i + 1}_S${i + 1}_L001_R1_001.fastq.gz`);
    for (const [i, name] of fastqs.entries()) await writeFile(path.join(run, name), `reads ${i}`);
    await pause(20);
    const marker = path.join(run, 'CopyComplete.txt');
    await writeFile(marker, '');
    const anHourBefore = new Date(Date.now() - 3_600_000);
    await utimes(marker, anHourBefore, anHourBefore);
    await waitFor('all five', async () => ((await landedKeys()).length === 5 ? true : undefined), 20_000);
    // Assess: the marker still came last
    const order = keysOf('Object Created').map((key) => key.replace('incoming/genomics/RUN9/', ''));
    expect(order.at(-1)).toBe('CopyComplete.txt');
    expect(order.slice(0, -1).sort()).toEqual([...fastqs].sort());
  });

  it('holds a completion marker for files still waiting their turn to land, however long past markerHoldMs', async () => {
    // Prepare: one landing at a time, 150 ms each, and a hold bound far shorter than the six FASTQs' 900 ms
    const slowShare = await watchSlowShare({ delayMs: 150, overrides: { maxConcurrentLandings: 1, markerHoldMs: 100 } });
    const run = path.join(slowShare, 'genomics', 'RUN9');
    await mkdir(run, { recursive: true });
    const fastqs = Array.from({ length: 6 }, (_, i) => `S${i + 1}_S${i + 1}_L001_R1_001.fastq.gz`);
    // Act
    for (const [i, name] of fastqs.entries()) await writeFile(path.join(run, name), `reads ${i}`);
    await pause(20);
    await writeFile(path.join(run, 'CopyComplete.txt'), '');
    await waitFor('all seven', async () => ((await landedKeys()).length === 7 ? true : undefined), 20_000);
    // Assess: the marker still came last, and nobody was told a file failed
    const order = keysOf('Object Created').map((key) => key.replace('incoming/genomics/RUN9/', ''));
    expect(order.at(-1)).toBe('CopyComplete.txt');
    expect(problems).toEqual([]);
  });

  it('lands a completion marker markerHoldMs after the only file it waits for keeps failing to land, naming that file', async () => {
    // Prepare
    const slowShare = await watchSlowShare({ failing: /S2_L001_R1_001\.fastq\.gz$/, overrides: { markerHoldMs: 300 } });
    const run = path.join(slowShare, 'genomics', 'RUN10');
    await mkdir(run, { recursive: true });
    // Act
    await writeFile(path.join(run, 'S1_S1_L001_R1_001.fastq.gz'), 'reads 1');
    await writeFile(path.join(run, 'S2_S2_L001_R1_001.fastq.gz'), 'reads 2');
    await pause(20);
    await writeFile(path.join(run, 'CopyComplete.txt'), '');
    await waitFor(
      'the marker',
      async () => ((await landedKeys()).some((key) => key.endsWith('CopyComplete.txt')) ? true : undefined),
      20_000,
    );
    // Assess: S1 landed before the marker; S2 never did, and the marker's report names it
    expect(await landedKeys()).toEqual(['incoming/genomics/RUN10/CopyComplete.txt', 'incoming/genomics/RUN10/S1_S1_L001_R1_001.fastq.gz']);
    expect(
      problems.some((problem) =>
        problem.startsWith('genomics/RUN10/S2_S2_L001_R1_001.fastq.gz: could not land: the gateway cache disk is full'),
      ),
    ).toBe(true);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^genomics\/RUN10\/CopyComplete\.txt: landed after waiting \d+ s for genomics\/RUN10\/S2_S2_L001_R1_001\.fastq\.gz, written before it but failing to land; check that file$/,
      ),
    );
  });

  it('skips FIFOs and sockets without opening them: other files land, the process stays responsive and stop() returns', async () => {
    // Prepare
    const run = path.join(share, 'genomics', 'RUN6');
    await mkdir(run, { recursive: true });
    // Act: more FIFOs than libuv has pool threads (4): opening any of them for reading would block a thread
    for (let i = 1; i <= 6; i++) execFileSync('mkfifo', [path.join(run, `S${i}_R1_001.fastq.gz`)]);
    const socketServer = createServer();
    servers.push(socketServer);
    await new Promise<void>((resolve) => socketServer.listen(path.join(run, 'control.sock'), resolve));
    await writeFile(path.join(run, 'SampleSheet.csv'), 'sheet');
    await waitFor('the sheet', async () => ((await landedKeys()).length === 1 ? true : undefined), 10_000);
    await waitFor('seven skipped', () => (skipped.length >= 7 ? true : undefined), 10_000);
    // Still responsive: the thread pool is free for ordinary file reads
    const readBack = await readFile(path.join(run, 'SampleSheet.csv'), 'utf8');
    const stopping = Date.now();
    await watcher.stop();
    // Assess
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(readBack).toBe('sheet');
    expect(await landedKeys()).toEqual(['incoming/genomics/RUN6/SampleSheet.csv']);
    expect(skippedAs()).toMatchObject({
      'genomics/RUN6/S1_R1_001.fastq.gz': 'fifo',
      'genomics/RUN6/S6_R1_001.fastq.gz': 'fifo',
      'genomics/RUN6/control.sock': 'socket',
    });
    expect(skipped.find((entry) => entry.kind === 'fifo')?.reason).toBe(
      'a named pipe (FIFO), not a file: never opened and not landed; only regular files land',
    );
  });
});
