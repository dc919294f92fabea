import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FolderWatch, watchFolders } from '../../../runtime/share/watchFolders.ts';
import { waitFor } from '../../support/runtimeProcess.ts';

describe('watchFolders (the share watcher’s notifications, one inotify watch per folder)', () => {
  let dir: string;
  let root: string;
  let reported: string[];
  let problems: string[];
  let watch: FolderWatch | undefined;

  const start = async () => {
    watch = await watchFolders(root, {
      onEntry: (file) => reported.push(path.relative(root, file)),
      onProblem: (folder, message) => problems.push(`${folder}: ${message}`),
    });
    return watch;
  };
  const reportedOnce = (name: string) => waitFor(`${name} reported`, () => reported.includes(name), 5000);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-watch-'));
    root = path.join(dir, 'share');
    await mkdir(root);
    reported = [];
    problems = [];
    watch = undefined;
  });
  afterEach(async () => {
    watch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports what is there at the start, links and FIFOs included, without following a linked folder', async () => {
    // Prepare: nested files, a link to a folder outside the share, a FIFO
    const outside = path.join(dir, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.fastq.gz'), 'x');
    await mkdir(path.join(root, 'genomics', 'RUN1', 'Data'), { recursive: true });
    await writeFile(path.join(root, 'genomics', 'RUN1', 'SampleSheet.csv'), 'x');
    await writeFile(path.join(root, 'genomics', 'RUN1', 'Data', 'S1_R1.fastq.gz'), 'x');
    await symlink(outside, path.join(root, 'genomics', 'RUN1', 'linked'));
    execFileSync('mkfifo', [path.join(root, 'genomics', 'RUN1', 'pipe')]);
    // Act
    const started = await start();
    // Assess: reported once start resolves; the link is an entry, never a folder walked into
    expect(reported.sort()).toEqual([
      'genomics/RUN1/Data/S1_R1.fastq.gz',
      'genomics/RUN1/SampleSheet.csv',
      'genomics/RUN1/linked',
      'genomics/RUN1/pipe',
    ]);
    expect(started.folderCount).toBe(4); // share, genomics, RUN1, Data
    expect(problems).toEqual([]);
  });

  it('reports files of a folder created later, and of a whole folder moved in at once', async () => {
    // Prepare
    await start();
    const staged = path.join(dir, 'staged', 'RUN2', 'Data');
    await mkdir(staged, { recursive: true });
    await writeFile(path.join(staged, 'S1_R1.fastq.gz'), 'x');
    await writeFile(path.join(staged, 'S1_R2.fastq.gz'), 'x');
    // Act: a folder made and filled under the share, then a filled folder renamed into it
    await mkdir(path.join(root, 'genomics', 'RUN1'), { recursive: true });
    await writeFile(path.join(root, 'genomics', 'RUN1', 'CopyComplete.txt'), '');
    await reportedOnce('genomics/RUN1/CopyComplete.txt');
    await rename(path.join(dir, 'staged', 'RUN2'), path.join(root, 'genomics', 'RUN2'));
    // Assess
    await reportedOnce('genomics/RUN2/Data/S1_R1.fastq.gz');
    await reportedOnce('genomics/RUN2/Data/S1_R2.fastq.gz');
    // A file added later in the moved folder: its watch is its own, under its new name
    await writeFile(path.join(root, 'genomics', 'RUN2', 'Data', 'S2_R1.fastq.gz'), 'x');
    await reportedOnce('genomics/RUN2/Data/S2_R1.fastq.gz');
  });

  it('reports a file again when it is written to, and only that file', async () => {
    // Prepare: a run folder of 200 files already reported
    const run = path.join(root, 'genomics', 'RUN1');
    await mkdir(run, { recursive: true });
    for (let n = 0; n < 200; n++) await writeFile(path.join(run, `S${n}_R1.fastq.gz`), 'x');
    await start();
    reported = [];
    // Act: one file grows, one appears
    await appendFile(path.join(run, 'S7_R1.fastq.gz'), 'more');
    await writeFile(path.join(run, 'S200_R1.fastq.gz'), 'x');
    await reportedOnce('genomics/RUN1/S7_R1.fastq.gz');
    await reportedOnce('genomics/RUN1/S200_R1.fastq.gz');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Assess: the folder's other 199 files are not reported again (nor looked at)
    expect(new Set(reported)).toEqual(new Set(['genomics/RUN1/S7_R1.fastq.gz', 'genomics/RUN1/S200_R1.fastq.gz']));
  });

  it('forgets a folder removed or moved away, and watches it under its new name', async () => {
    // Prepare
    await mkdir(path.join(root, 'genomics', 'RUN1', 'Data'), { recursive: true });
    await mkdir(path.join(root, 'genomics', 'OLD'), { recursive: true });
    const started = await start();
    expect(started.folderCount).toBe(5);
    // Act
    await rm(path.join(root, 'genomics', 'OLD'), { recursive: true });
    await rename(path.join(root, 'genomics', 'RUN1'), path.join(root, 'genomics', 'RUN1b'));
    await waitFor('OLD and RUN1 forgotten, RUN1b watched', () => started.folderCount === 4, 5000);
    await writeFile(path.join(root, 'genomics', 'RUN1b', 'Data', 'S1_R1.fastq.gz'), 'x');
    // Assess: reported under the folder's new name, never the old one
    await reportedOnce('genomics/RUN1b/Data/S1_R1.fastq.gz');
    expect(reported.filter((file) => file.includes('RUN1/'))).toEqual([]);
  });

  it('watches a folder removed and made again under the same name before its events were looked at', async () => {
    // Prepare
    const run = path.join(root, 'genomics', 'RUN1');
    await mkdir(run, { recursive: true });
    const started = await start();
    // Act: in one turn of the event loop, so both events find the new folder
    rmSync(run, { recursive: true });
    mkdirSync(run);
    writeFileSync(path.join(run, 'SampleSheet.csv'), 'x');
    await reportedOnce('genomics/RUN1/SampleSheet.csv');
    await writeFile(path.join(run, 'S1_R1.fastq.gz'), 'x');
    // Assess: the new folder is watched (its files reported), once
    await reportedOnce('genomics/RUN1/S1_R1.fastq.gz');
    expect(started.folderCount).toBe(3);
  });

  it('reports nothing after close', async () => {
    // Prepare
    const started = await start();
    // Act
    started.close();
    await writeFile(path.join(root, 'late.txt'), 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Assess
    expect(reported).toEqual([]);
    expect(started.folderCount).toBe(0);
  });
});
