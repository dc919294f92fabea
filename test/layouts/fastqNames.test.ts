import { describe, expect, it } from 'vitest';
import { illuminaFastqName, isFastqName, parseFastqName } from '../../layouts/fastqNames.ts';
import { parseMinknowPath, parsePacbioPath } from '../../layouts/longReads.ts';

// Naming rules, each case with the document section it follows:
// - bcl2fastq2 v2.20 guide "FASTQ File Names" (and BaseSpace "Naming Convention"): <SampleName>_S1_L001_R1_001.fastq.gz;
//   S<n> = order in the sheet, S0 = Undetermined; index reads I1/I2; the last segment is always 001.
// - bcl2fastq2 --no-lane-splitting: the lane part is dropped (<name>_S12_R1_001.fastq.gz).
// - BCL Convert guide "Output Files": <Sample_ID>_S#_L00#_R#_001.fastq.gz, Undetermined_S0_.
// - CASAVA 1.8 / bcl2fastq 1.8: <sample>_<index>_L<lane>_R<n>_<set>.fastq.gz, lane<k>_Undetermined_L00<k>_… .
// - ONT output specifications "FASTQ" paths; PacBio file formats "Revio & Vega file structure".

describe('parseFastqName', () => {
  it.each([
    {
      case: 'bcl2fastq v2.20 "FASTQ File Names": NA10931_S12_L002_R1_001.fastq.gz',
      name: 'NA10931_S12_L002_R1_001.fastq.gz',
      expected: { form: 'illumina', stem: 'NA10931', sampleNumber: 12, lane: 2, label: 'R1', part: 1, undetermined: false },
    },
    {
      case: 'bcl2fastq v2.20: a Sample_Name with underscores and an S in it',
      name: 'Liver_Sample_S2_S3_L004_R2_001.fastq.gz',
      expected: { form: 'illumina', stem: 'Liver_Sample_S2', sampleNumber: 3, lane: 4, label: 'R2', part: 1, undetermined: false },
    },
    {
      case: 'bcl2fastq v2.20 --create-fastq-for-index-reads: I1',
      name: 'PBMC_S1_L001_I1_001.fastq.gz',
      expected: { form: 'illumina', stem: 'PBMC', sampleNumber: 1, lane: 1, label: 'I1', part: 1, undetermined: false },
    },
    {
      case: 'bcl2fastq v2.20 UMI read as a data read: R3',
      name: 'Tumor_S4_L001_R3_001.fastq.gz',
      expected: { form: 'illumina', stem: 'Tumor', sampleNumber: 4, lane: 1, label: 'R3', part: 1, undetermined: false },
    },
    {
      case: 'bcl2fastq v2.20 --no-lane-splitting: no _L00k (lane 0 = all lanes)',
      name: 'NA10931_S12_R1_001.fastq.gz',
      expected: { form: 'illumina', stem: 'NA10931', sampleNumber: 12, lane: 0, label: 'R1', part: 1, undetermined: false },
    },
    {
      case: 'BCL Convert "Output Files": Undetermined_S0_L001_R1_001.fastq.gz',
      name: 'Undetermined_S0_L001_R1_001.fastq.gz',
      expected: { form: 'illumina', stem: 'Undetermined', sampleNumber: 0, lane: 1, label: 'R1', part: 1, undetermined: true },
    },
    {
      case: 'CASAVA 1.8: NA10931_ATCACG_L002_R1_002.fastq.gz (second chunk)',
      name: 'NA10931_ATCACG_L002_R1_002.fastq.gz',
      expected: { form: 'casava', stem: 'NA10931', barcode: 'ATCACG', lane: 2, label: 'R1', part: 2, undetermined: false },
    },
    {
      case: 'CASAVA 1.8 dual index',
      name: 'S1_ATCACG-TTAGGC_L001_R2_001.fastq.gz',
      expected: { form: 'casava', stem: 'S1', barcode: 'ATCACG-TTAGGC', lane: 1, label: 'R2', part: 1, undetermined: false },
    },
    {
      case: 'CASAVA 1.8 non-multiplexed lane: lane1_NoIndex_L001_R1_001.fastq.gz',
      name: 'lane1_NoIndex_L001_R1_001.fastq.gz',
      expected: { form: 'casava', stem: 'lane1', barcode: 'NoIndex', lane: 1, label: 'R1', part: 1, undetermined: false },
    },
    {
      case: 'CASAVA 1.8 Undetermined: lane1_Undetermined_L001_R1_001.fastq.gz',
      name: 'lane1_Undetermined_L001_R1_001.fastq.gz',
      expected: { form: 'casava', stem: 'lane1', barcode: 'Undetermined', lane: 1, label: 'R1', part: 1, undetermined: true },
    },
    {
      case: 'generic <sample>.R1.fastq.gz',
      name: 'mouse-7.R2.fastq.gz',
      expected: { form: 'generic', stem: 'mouse-7', label: 'R2', part: 1, undetermined: false },
    },
    {
      case: 'generic <sample>_R1.fq.gz',
      name: 'mouse_7_R1.fq.gz',
      expected: { form: 'generic', stem: 'mouse_7', label: 'R1', part: 1, undetermined: false },
    },
    {
      case: 'generic <sample>_L003_R1_001.fastq (no S number)',
      name: 'A_L003_R1_001.fastq',
      expected: { form: 'generic', stem: 'A', lane: 3, label: 'R1', part: 1, undetermined: false },
    },
    {
      case: 'bare <sample>.fastq.gz (one single-end file)',
      name: 'isolate12.fastq.gz',
      expected: { form: 'bare', stem: 'isolate12', label: 'R1', part: 1, undetermined: false },
    },
  ])('reads $case', ({ name, expected }) => {
    expect(parseFastqName(name)).toEqual(expected);
  });

  it.each(['SampleSheet.csv', 'RunInfo.xml', 'reads.bam', 'S1_S1_L001_R1_001.fastq.gz.md5'])('says %s is not a FASTQ', (name) => {
    expect(isFastqName(name)).toBe(false);
    expect(parseFastqName(name)).toBeUndefined();
  });
});

describe('illuminaFastqName', () => {
  it.each([
    {
      case: 'lane-split (bcl2fastq v2.20, BCL Convert)',
      stem: 'Liver_A',
      n: 1,
      lane: 3,
      label: 'R2' as const,
      name: 'Liver_A_S1_L003_R2_001.fastq.gz',
    },
    {
      case: 'lanes combined (--no-lane-splitting)',
      stem: 'Liver_A',
      n: 1,
      lane: 0,
      label: 'R1' as const,
      name: 'Liver_A_S1_R1_001.fastq.gz',
    },
    { case: 'index read', stem: 'X', n: 12, lane: 8, label: 'I2' as const, name: 'X_S12_L008_I2_001.fastq.gz' },
  ])('writes $case', ({ stem, n, lane, label, name }) => {
    expect(illuminaFastqName(stem, n, lane, label)).toBe(name);
  });
});

describe('parseMinknowPath', () => {
  it.each([
    {
      case: 'barcoded: fastq_pass/barcode01/<flow cell>_pass_barcode01_<ids>_<batch>.fastq.gz (ONT "FASTQ" paths)',
      path: 'fastq_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_12.fastq.gz',
      expected: { sampleId: 'barcode01', unclassified: false, batch: 12 },
    },
    {
      case: 'barcoded with a user alias folder',
      path: 'fastq_pass/patient_7/PAO25751_pass_patient_7_e05460c6_de9f2c7f_0.fastq.gz',
      expected: { sampleId: 'patient_7', unclassified: false, batch: 0 },
    },
    {
      case: 'unclassified reads',
      path: 'fastq_pass/unclassified/PAO25751_pass_unclassified_e05460c6_de9f2c7f_0.fastq.gz',
      expected: { unclassified: true, batch: 0 },
    },
    {
      case: 'not barcoded: fastq_pass/<flow cell>_pass_<ids>_<batch>.fastq.gz ("Output Structure" example)',
      path: 'fastq_pass/PAA12345_pass_dca6f6d1_d11637af_0.fastq.gz',
      expected: { sampleId: 'PAA12345', unclassified: false, batch: 0 },
    },
    {
      case: 'not barcoded, a flow cell id with an underscore (the spec allows [A-Z0-9_-]+)',
      path: 'fastq_pass/FLO_12345_pass_dca6f6d1_d11637af_0.fastq.gz',
      expected: { sampleId: 'FLO_12345', unclassified: false, batch: 0 },
    },
    {
      case: 'inside the protocol run folder MinKNOW creates',
      path: '20250603_1201_3E_PAA12345_e05460c6/fastq_pass/barcode05/PAA12345_pass_barcode05_e05460c6_d11637af_1.fastq.gz',
      expected: { sampleId: 'barcode05', unclassified: false, batch: 1 },
    },
    {
      case: 'inside a library (<sample_id>/<run>/): a default barcode name is qualified by the library',
      path: 'libA/20250603_1201_3E_PAA12345_e05460c6/fastq_pass/barcode05/PAA12345_pass_barcode05_e05460c6_d11637af_1.fastq.gz',
      expected: { sampleId: 'libA_barcode05', unclassified: false, batch: 1 },
    },
    {
      case: 'inside a pooled library (<sample_id>/fastq_pass/, data pooling on)',
      path: 'libB/fastq_pass/barcode05/PAA12345_pass_barcode05_e05460c6_d11637af_1.fastq.gz',
      expected: { sampleId: 'libB_barcode05', unclassified: false, batch: 1 },
    },
    {
      case: "inside a library, a user's alias stays the sample's name",
      path: 'libA/20250603_1201_3E_PAA12345_e05460c6/fastq_pass/patient_7/PAA12345_pass_patient_7_e05460c6_d11637af_1.fastq.gz',
      expected: { sampleId: 'patient_7', unclassified: false, batch: 1 },
    },
  ])('reads $case', ({ path, expected }) => {
    expect(parseMinknowPath(path)).toEqual(expected);
  });

  it('leaves failed reads and non-FASTQs to the caller', () => {
    expect(parseMinknowPath('fastq_fail/barcode01/PAO25751_fail_barcode01_e05460c6_de9f2c7f_0.fastq.gz')).toBeUndefined();
    expect(parseMinknowPath('pod5/PAA12345_fd97ea7b_0f1d7e9e_57.pod5')).toBeUndefined();
  });
});

describe('parsePacbioPath', () => {
  it.each([
    {
      case: 'Revio hifi_reads/<movie>.hifi_reads.<barcode> (PacBio "Revio & Vega file structure")',
      path: '1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz',
      expected: { sampleId: 'm84001_220722_134701_s1.bc2001', unclassified: false },
    },
    {
      case: 'Revio unassigned reads',
      path: 'hifi_reads/m84001_220722_134701_s1.hifi_reads.unassigned.fastq.gz',
      expected: { unclassified: true },
    },
    {
      case: "Revio 'default' infix: no barcode, the sample is the movie",
      path: 'hifi_reads/m84001_220722_134701_s1.hifi_reads.default.fastq.gz',
      expected: { sampleId: 'm84001_220722_134701_s1', unclassified: false },
    },
    {
      case: 'SMRT Link demultiplexing: <movie>.<bc>--<bc>.hifi_reads.fastq.gz',
      path: 'm64156_230929_124402.bc2002--bc2002.hifi_reads.fastq.gz',
      expected: { sampleId: 'm64156_230929_124402.bc2002--bc2002', unclassified: false },
    },
    {
      case: 'SMRT Link demultiplexing job output: demultiplex.<bc>--<bc>.hifi_reads.fastq.gz',
      path: 'demultiplex.bc1001--bc1001.hifi_reads.fastq.gz',
      expected: { sampleId: 'bc1001--bc1001', unclassified: false },
    },
    {
      case: 'one unbarcoded cell (Sequel IIe): <movie>.hifi_reads.fastq.gz',
      path: 'm54329U_220226_122930.hifi_reads.fastq.gz',
      expected: { sampleId: 'm54329U_220226_122930', unclassified: false },
    },
    { case: "a provider's per-sample name", path: 'RP_10017.hifi_reads.fastq.gz', expected: { sampleId: 'RP_10017', unclassified: false } },
    { case: 'a per-sample plain FASTQ', path: 'isolate12.fastq.gz', expected: { sampleId: 'isolate12', unclassified: false } },
  ])('reads $case', ({ path, expected }) => {
    expect(parsePacbioPath(path)).toEqual(expected);
  });
});
