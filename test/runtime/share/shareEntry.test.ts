import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nameSkipKind, openShareFile } from '../../../runtime/share/shareEntry.ts';

describe('shareEntry', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'landfall-entry-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('Function: openShareFile', () => {
    it('opens a regular file whose real path is the expected one', async () => {
      // Prepare
      const file = path.join(dir, 'S1_R1_001.fastq.gz');
      await writeFile(file, 'reads');
      // Act
      const opened = await openShareFile(file, file);
      // Assess
      expect('handle' in opened).toBe(true);
      if (!('handle' in opened)) return;
      expect(opened.stats.size).toBe(5);
      expect((await opened.handle.readFile()).toString()).toBe('reads');
      await opened.handle.close();
    });

    it('refuses a link swapped in after the lstat, without following it', async () => {
      // Prepare: a link where a file was checked (O_NOFOLLOW refuses it at the open)
      await writeFile(path.join(dir, 'secret'), 'secret');
      const link = path.join(dir, 'S1_R1_001.fastq.gz');
      await symlink(path.join(dir, 'secret'), link);
      // Act
      const opened = await openShareFile(link, link);
      // Assess
      expect(opened).toEqual({ kind: 'symlink' });
    });

    it('refuses a file reached through a linked folder, naming its real path', async () => {
      // Prepare
      await mkdir(path.join(dir, 'elsewhere'));
      await writeFile(path.join(dir, 'elsewhere', 'S1_R1_001.fastq.gz'), 'reads');
      await symlink(path.join(dir, 'elsewhere'), path.join(dir, 'RUN'));
      const file = path.join(dir, 'RUN', 'S1_R1_001.fastq.gz');
      // Act
      const opened = await openShareFile(file, file);
      // Assess
      expect(opened).toEqual({ kind: 'through-link', realPath: path.join(dir, 'elsewhere', 'S1_R1_001.fastq.gz') });
    });

    it('returns at once for a FIFO with no writer (an ordinary open would block a pool thread)', async () => {
      // Prepare
      const fifo = path.join(dir, 'S1_R1_001.fastq.gz');
      execFileSync('mkfifo', [fifo]);
      // Act
      const opened = await openShareFile(fifo, fifo);
      // Assess
      expect(opened).toEqual({ kind: 'fifo' });
    });
  });

  describe('Function: nameSkipKind', () => {
    it.each([
      { case: 'a dot-file', path: 'genomics/RUN/.DS_Store', kind: 'hidden' },
      { case: 'an AppleDouble file', path: 'genomics/RUN/._S1_R1_001.fastq.gz', kind: 'hidden' },
      { case: 'a file in a hidden folder', path: 'genomics/RUN/.snapshot/S1_R1_001.fastq.gz', kind: 'hidden' },
      { case: 'a hidden run folder', path: 'genomics/.RUN/S1_R1_001.fastq.gz', kind: 'hidden' },
      { case: 'a partial copy', path: 'genomics/RUN/S1_R1_001.fastq.gz.part', kind: 'temporary' },
      { case: 'an editor backup', path: 'genomics/RUN/SampleSheet.csv~', kind: 'temporary' },
      { case: "Excel's owner file of an open sheet", path: 'genomics/RUN/~$SampleSheet.csv', kind: 'temporary' },
      { case: "Windows' thumbnail cache", path: 'genomics/RUN/Data/Thumbs.db', kind: 'hidden' },
      { case: "a Windows folder's settings", path: 'genomics/RUN/desktop.ini', kind: 'hidden' },
      { case: "a Windows volume's recycle bin", path: 'genomics/RUN/$RECYCLE.BIN/S1_R1_001.fastq.gz', kind: 'hidden' },
      { case: 'a FASTQ', path: 'genomics/RUN/S1_R1_001.fastq.gz', kind: undefined },
      { case: 'a dot inside a name', path: 'genomics/RUN.1/S1.R1.fastq.gz', kind: undefined },
    ])('$case → $kind', ({ path: relative, kind }) => {
      expect(nameSkipKind(relative)).toBe(kind);
    });
  });
});
