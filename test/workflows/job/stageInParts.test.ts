/**
 * Stage-in of a sample whose lanes come in several parts (chunked FASTQs, MinKNOW batches: layouts/ numbers
 * them `part`): one file per read label, lanes in lane order and each lane's parts in part order; the nf-core
 * sample sheet has one row per lane and part.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobManifest, ManifestRead } from '../../../contracts/jobPayload.ts';
import { renderSampleSheet, StageInDataError, stageIn } from '../../../workflows/job/stageIn.ts';
import { volumeLayout } from '../../../workflows/job/volume.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';

const record = (name: string) => `@${name}\nACGT\n+\nIIII\n`;

describe('stage-in of lanes in parts', () => {
  let dir: string;
  let storage: FolderStorage;
  const reads: ManifestRead[] = [];

  /** Lands one gzipped FASTQ of one record named after its lane and part. */
  async function land(label: 'R1' | 'R2', lane: number, part: number): Promise<ManifestRead> {
    const name = `S1_S1_L00${lane}_${label}_00${part}.fastq.gz`;
    const bytes = gzipSync(record(`L${lane}P${part}-${label}`));
    await storage.put('landing', `incoming/genomics/RUN1/${name}`, bytes);
    return {
      bucket: 'landing',
      key: `incoming/genomics/RUN1/${name}`,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('hex'),
      label,
      role: label === 'R1' ? 'mate1' : 'mate2',
      lane,
      part,
      name,
    };
  }

  const manifest = (files: ManifestRead[]): JobManifest => ({
    schemaVersion: 1,
    pipeline: 'lab',
    step: 'count',
    scope: 'sample',
    team: 'genomics',
    runId: 'RUN1',
    sampleId: 'S1',
    reads: files,
    steps: [],
    workBucket: 'work',
    workPrefix: 'work/x/count/',
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'landfall-stagein-parts-'));
    await mkdir(path.join(dir, 'buckets', 'landing'), { recursive: true });
    storage = new FolderStorage(path.join(dir, 'buckets'));
    // Landed out of order on purpose: the manifest lists them as the catalog does, not sorted.
    for (const [lane, part] of [
      [2, 1],
      [1, 2],
      [1, 1],
      [2, 2],
    ] as const)
      reads.push(await land('R1', lane, part), await land('R2', lane, part));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('concatenates each label in lane order, then part order within a lane', async () => {
    const root = path.join(dir, 'volume');
    const summary = await stageIn(manifest(reads), storage, root);
    const layout = volumeLayout(root);
    const index = JSON.parse(await readFile(layout.readsIndex, 'utf8')) as {
      reads: Array<{ label: string; file: string; lanes: number[] }>;
    };
    expect(index.reads.map((read) => `${read.label} lanes ${read.lanes.join('+')}`)).toEqual(['R1 lanes 1+2', 'R2 lanes 1+2']);
    for (const read of index.reads) {
      const names = gunzipSync(await readFile(path.join(layout.reads, read.file)))
        .toString('utf8')
        .split('\n')
        .filter((line) => line.startsWith('@'));
      expect(names).toEqual(['L1P1', 'L1P2', 'L2P1', 'L2P2'].map((part) => `@${part}-${read.label}`));
    }
    expect(summary.files).toBe(8);
  });

  it('refuses two files of one label, lane and part, naming them', async () => {
    const twice = [...reads, { ...reads.find((read) => read.label === 'R1' && read.lane === 1 && read.part === 2)! }];
    await expect(stageIn(manifest(twice), storage, path.join(dir, 'volume-twice'))).rejects.toThrow(StageInDataError);
    await expect(stageIn(manifest(twice), storage, path.join(dir, 'volume-twice'))).rejects.toThrow(
      'sample S1 has two R1 files for lane 1 part 2',
    );
  });

  it('writes one sample-sheet row per lane and part, mates side by side', () => {
    const sheet = renderSampleSheet([{ sampleId: 'S1', version: 1, reads }], { LANDFALL_STORAGE_ROOT: '/buckets' });
    const rows = sheet.trim().split('\n');
    expect(rows[0]).toBe('sample,fastq_1,fastq_2');
    expect(rows.slice(1).map((row) => row.split(',').map((field) => path.basename(field)))).toEqual(
      [
        [1, 1],
        [1, 2],
        [2, 1],
        [2, 2],
      ].map(([lane, part]) => ['S1', `S1_S1_L00${lane}_R1_00${part}.fastq.gz`, `S1_S1_L00${lane}_R2_00${part}.fastq.gz`]),
    );
  });
});

describe('stage-in of BGZF lanes', () => {
  // bgzip (htslib, Debian `tabix`) ends every stream with BGZF's empty end-of-file block; fastp 1.3.0–1.3.6 stops
  // reading at the first one it meets (OpenGene/fastp#711), so lanes concatenated as they are lose all but lane 1.
  const EOF_BLOCK = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'landfall-stagein-bgzf-'));
    await mkdir(path.join(dir, 'buckets', 'landing'), { recursive: true });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps one end-of-file block, at the end, and every lane of the label, a lane of two streams too', async () => {
    // Prepare
    const storage = new FolderStorage(path.join(dir, 'buckets'));
    // Lane 1 is itself two BGZF streams (as some BCL Convert files are): a marker inside one file too.
    const lanes = [1, 2, 3].map((lane) => {
      const halves = [1, 2].map((n) => record(`L${lane}-${n}`));
      const bytes =
        lane === 1
          ? Buffer.concat(halves.map((half) => execFileSync('bgzip', ['-c'], { input: half })))
          : execFileSync('bgzip', ['-c'], { input: halves.join('') });
      return { lane, text: halves.join(''), bytes };
    });
    const reads: ManifestRead[] = [];
    for (const { lane, bytes } of lanes) {
      expect(bytes.subarray(-EOF_BLOCK.length).equals(EOF_BLOCK), `bgzip ends lane ${lane} with the EOF block`).toBe(true);
      const name = `S1_S1_L00${lane}_R1_001.fastq.gz`;
      await storage.put('landing', `incoming/genomics/RUN1/${name}`, bytes);
      reads.push({
        bucket: 'landing',
        key: `incoming/genomics/RUN1/${name}`,
        size: bytes.length,
        md5: createHash('md5').update(bytes).digest('hex'),
        label: 'R1',
        role: 'single',
        lane,
        name,
      });
    }
    const root = path.join(dir, 'volume');
    // Act
    const summary = await stageIn(
      {
        schemaVersion: 1,
        pipeline: 'lab',
        step: 'trim',
        scope: 'sample',
        team: 'genomics',
        runId: 'RUN1',
        sampleId: 'S1',
        reads,
        steps: [],
        workBucket: 'work',
        workPrefix: 'work/x/trim/',
      },
      storage,
      root,
    );
    // Assess
    const layout = volumeLayout(root);
    const index = JSON.parse(await readFile(layout.readsIndex, 'utf8')) as { reads: Array<{ file: string; bytes: number }> };
    const staged = await readFile(path.join(layout.reads, index.reads[0]!.file));
    const blocks = (haystack: Buffer) => {
      let count = 0;
      for (let at = haystack.indexOf(EOF_BLOCK); at >= 0; at = haystack.indexOf(EOF_BLOCK, at + 1)) count++;
      return count;
    };
    expect(blocks(staged)).toBe(1);
    expect(staged.subarray(-EOF_BLOCK.length).equals(EOF_BLOCK)).toBe(true);
    expect(blocks(lanes[0]!.bytes)).toBe(2);
    expect(staged.length).toBe(lanes.reduce((sum, lane) => sum + lane.bytes.length, 0) - 3 * EOF_BLOCK.length);
    expect(index.reads[0]!.bytes).toBe(staged.length);
    expect(summary.bytes).toBe(staged.length);
    // htslib reads it as one BGZF file without a warning, and it holds every lane's reads in lane order.
    expect(execFileSync('bgzip', ['-dc'], { input: staged, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8')).toBe(
      lanes.map((lane) => lane.text).join(''),
    );
    expect(gunzipSync(staged).toString('utf8')).toBe(lanes.map((lane) => lane.text).join(''));
  });
});
