import type { LandedFile } from '../catalog/types.ts';
import { fastqName, type SampleSheet } from './sampleSheet.ts';

export const COPY_COMPLETE = 'CopyComplete.txt';
export const SAMPLE_SHEET = 'SampleSheet.csv';

export interface ExpectedFile {
  name: string;
  lane: number;
  read: 'R1' | 'R2';
}

export interface SampleCompleteness {
  sampleId: string;
  expected: ExpectedFile[];
  missing: string[];
  files: Array<LandedFile & ExpectedFile>;
}

export interface RunCompleteness {
  /** The instrument finished copying (Illumina: CopyComplete.txt; RTAComplete alone is NOT enough). */
  markerPresent: boolean;
  samples: SampleCompleteness[];
}

/**
 * Illumina profile: a run is ready for a sample when `CopyComplete.txt` has landed and every expected
 * FASTQ of that sample (SampleSheet samples × lanes × reads) is landed.
 */
export function illuminaCompleteness(sheet: SampleSheet, landed: LandedFile[]): RunCompleteness {
  const byName = new Map(landed.map((file) => [file.name, file]));
  const samples = sheet.samples.map((sample) => {
    const expected = sample.lanes.flatMap((lane) => sheet.reads.map((read) => ({ name: fastqName(sample, lane, read), lane, read })));
    const files = expected.flatMap((file) => {
      const landedFile = byName.get(file.name);
      return landedFile ? [{ ...landedFile, ...file }] : [];
    });
    return { sampleId: sample.sampleId, expected, missing: expected.filter((file) => !byName.has(file.name)).map((file) => file.name), files };
  });
  return { markerPresent: byName.has(COPY_COMPLETE), samples };
}
