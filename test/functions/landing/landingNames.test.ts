/**
 * Names that never land reach the landing bucket in AWS: an S3 File Gateway uploads whatever a client leaves on
 * the share — a Mac copying a run folder puts an AppleDouble `._<name>` (binary, ~4 KB) beside every file, and
 * copy tools leave `.part` files. The embedded runtime's share skips them before storing; the landing function,
 * which both runtimes run, must skip them too, or a sheet-less run gets a sample "._S1" made of a resource fork.
 * Real folder storage and the real local catalog; the objects are put in the landing bucket as the gateway would.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landObject } from '../../../functions/landing/landObject.ts';
import { nameSkipKind } from '../../../functions/landing/landingNames.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = '261206_M11111_0223_000000000-K9H98';

/** What macOS writes as `._<name>` where the file system has no extended attributes: an AppleDouble header. */
const appleDouble = Buffer.concat([
  Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]),
  Buffer.from('Mac OS X        '),
  Buffer.alloc(4000),
]);
const fastq = gzipSync('@M11111:223:000000000-K9H98:1:1101:1000:1000 1:N:0:1\nACGTACGTAC\n+\nFFFFFFFFFF\n');

describe('names that never land, arriving in the landing bucket', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  const arrive = async (name: string, body: Buffer) => {
    const key = `incoming/${TEAM}/${RUN}/${name}`;
    await harness.services.storage.put(harness.names.landing, key, body);
    return landObject(harness.services, { bucket: harness.names.landing, key });
  };

  it('skips AppleDouble, .DS_Store and partial copies with the reason, and lands the FASTQ beside them', async () => {
    // Act: a run folder as a Mac leaves it on the gateway's share
    const outcomes = {
      sheet: await arrive(
        'SampleSheet.csv',
        Buffer.from('[Header]\nIEMFileVersion,4\n\n[Data]\nSample_ID,Sample_Name,index\nS1,S1,ACGTACGT\n'),
      ),
      sheetFork: await arrive('._SampleSheet.csv', appleDouble),
      fastq: await arrive('S1_S1_L001_R1_001.fastq.gz', fastq),
      appleDouble: await arrive('._S1_S1_L001_R1_001.fastq.gz', appleDouble),
      finder: await arrive('.DS_Store', Buffer.from('Bud1')),
      nested: await arrive('.Trashes/S9_S9_L001_R1_001.fastq.gz', fastq),
      partial: await arrive('S2_S2_L001_R1_001.fastq.gz.part', fastq),
      marker: await arrive('CopyComplete.txt', Buffer.alloc(0)),
    };
    // Assess: only the FASTQ is the run's
    expect(Object.fromEntries(Object.entries(outcomes).map(([what, result]) => [what, result.outcome]))).toEqual({
      sheet: 'recorded',
      sheetFork: 'skipped',
      fastq: 'recorded',
      appleDouble: 'skipped',
      finder: 'skipped',
      nested: 'skipped',
      partial: 'skipped',
      marker: 'recorded',
    });
    expect((await harness.services.catalog.runs.listFiles(TEAM, RUN)).map((file) => file.name).sort()).toEqual([
      'CopyComplete.txt',
      'S1_S1_L001_R1_001.fastq.gz',
      'SampleSheet.csv',
    ]);
    // The copy is complete: S1 landed, and no file is left over as "unexpected" (each would be announced)
    expect(await harness.services.catalog.runs.get(TEAM, RUN)).toMatchObject({ unexpectedCount: 0 });
    expect((await harness.services.catalog.samples.listInRun(TEAM, RUN)).map((sample) => sample.sampleId)).toEqual(['S1']);
    // … and the run's skipped entries say which and why, as the embedded share's do
    const skipped = await harness.services.catalog.shareSkips.listTeam(TEAM, RUN);
    expect(skipped.map((entry) => [entry.path, entry.kind])).toEqual([
      [`${TEAM}/${RUN}/._S1_S1_L001_R1_001.fastq.gz`, 'hidden'],
      [`${TEAM}/${RUN}/._SampleSheet.csv`, 'hidden'],
      [`${TEAM}/${RUN}/.DS_Store`, 'hidden'],
      [`${TEAM}/${RUN}/.Trashes/S9_S9_L001_R1_001.fastq.gz`, 'hidden'],
      [`${TEAM}/${RUN}/S2_S2_L001_R1_001.fastq.gz.part`, 'temporary'],
    ]);
    expect(skipped.find((entry) => entry.kind === 'temporary')?.reason).toContain('rename it to its final name');
    // The objects themselves stay where they are: nothing is lost
    expect((await harness.services.storage.list(harness.names.landing, `incoming/${TEAM}/${RUN}/`)).length).toBe(8);
  });

  it('keeps names that only contain a dot or a tilde inside', () => {
    expect(nameSkipKind('Data/Intensities/BaseCalls/S1.v2_S1_L001_R1_001.fastq.gz')).toBeUndefined();
    expect(nameSkipKind('Project~A/S1_S1_L001_R1_001.fastq.gz')).toBeUndefined();
    expect(nameSkipKind('Data/.hidden/S1_S1_L001_R1_001.fastq.gz')).toBe('hidden');
    expect(nameSkipKind('S1_S1_L001_R1_001.fastq.gz~')).toBe('temporary');
    expect(nameSkipKind('Sample~$1_S1_L001_R1_001.fastq.gz')).toBeUndefined();
    expect(nameSkipKind('Thumbs.db.S1_S1_L001_R1_001.fastq.gz')).toBeUndefined();
  });
});
