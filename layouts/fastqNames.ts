import { ALL_LANES, type ReadLabel } from './types.ts';

/** Which naming convention a FASTQ name follows. */
export type FastqNameForm = 'illumina' | 'casava' | 'generic' | 'bare';

/** What a FASTQ file name says about its contents. */
export interface FastqName {
  form: FastqNameForm;
  /**
   * The sample part of the name: Sample_Name or Sample_ID for bcl2fastq and BCL Convert (`Undetermined`
   * for reads no index matched), whatever precedes the read for other sources.
   */
  stem: string;
  label: ReadLabel;
  /** `S<n>`, when the name has one (`S0` is Undetermined). */
  sampleNumber?: number;
  /** CASAVA 1.8 names carry the index sequence (or `NoIndex`) instead of `S<n>`. */
  barcode?: string;
  /** Lane from `_L00<k>`; {@link ALL_LANES} when an Illumina name has no lane part (lanes not split). */
  lane?: number;
  /** The trailing set number (`_001`; CASAVA 1.8 splits large files into `_001`, `_002`, …); 1 when absent. */
  part: number;
  undetermined: boolean;
}

const EXTENSION = String.raw`\.f(?:ast)?q(?:\.gz)?`;
const LABEL = '(R[1-4]|I[12])';
// bcl2fastq v2.20 and BCL Convert: <name>_S<n>_L00<k>_<read>_001.fastq.gz; without _L00<k> when lanes are not split.
const ILLUMINA = new RegExp(`^(.+?)_S(\\d+)(?:_L(\\d{3}))?_${LABEL}_(\\d{3})${EXTENSION}$`, 'i');
// CASAVA 1.8 (bcl2fastq 1.8): <name>_<index or NoIndex>_L00<k>_<read>_<set>.fastq.gz.
const CASAVA = new RegExp(`^(.+?)_((?:[ACGTN]+(?:-[ACGTN]+)?)|NoIndex|Undetermined)_L(\\d{3})_${LABEL}_(\\d{3})${EXTENSION}$`, 'i');
// Other sources: <sample>.R1.fastq.gz, <sample>_R1.fq.gz, <sample>_L001_R1_001.fastq.gz.
const GENERIC = new RegExp(`^(.+?)(?:[._]L(\\d{3}))?[._]${LABEL}(?:[._](\\d{3}))?${EXTENSION}$`, 'i');
// A FASTQ whose name says nothing about a read: one single-end file of <sample> (long reads, exports).
const BARE = new RegExp(`^(.+?)${EXTENSION}$`, 'i');

const FASTQ_NAME = new RegExp(`${EXTENSION}$`, 'i');

/** True for `.fastq`, `.fq`, with or without `.gz`. */
export function isFastqName(name: string): boolean {
  return FASTQ_NAME.test(name);
}

/**
 * Parses a FASTQ base name (not a path). Forms, most specific first: bcl2fastq v2.20 / BCL Convert
 * (`<name>_S<n>_L00<k>_<R1|R2|R3|R4|I1|I2>_001.fastq.gz`, no `_L00<k>` with `--no-lane-splitting`),
 * CASAVA 1.8 (`<name>_<index>_L00<k>_R1_<set>.fastq.gz`), generic (`<sample>.R1.fastq.gz`,
 * `<sample>_R1.fq.gz`) and bare (`<sample>.fastq.gz`, a single-end R1). Returns undefined for a name
 * that is not a FASTQ.
 *
 * @example parseFastqName('NA10931_S12_L002_R1_001.fastq.gz')
 *   // { form: 'illumina', stem: 'NA10931', sampleNumber: 12, lane: 2, label: 'R1', part: 1, undetermined: false }
 */
export function parseFastqName(name: string): FastqName | undefined {
  const illumina = ILLUMINA.exec(name);
  if (illumina) {
    const [, stem, number, lane, label, part] = illumina as unknown as [string, string, string, string | undefined, string, string];
    const sampleNumber = Number(number);
    return {
      form: 'illumina',
      stem,
      label: label.toUpperCase() as ReadLabel,
      sampleNumber,
      lane: lane === undefined ? ALL_LANES : Number(lane),
      part: Number(part),
      undetermined: sampleNumber === 0 && stem === 'Undetermined',
    };
  }
  const casava = CASAVA.exec(name);
  if (casava) {
    const [, stem, barcode, lane, label, part] = casava as unknown as [string, string, string, string, string, string];
    return {
      form: 'casava',
      stem,
      label: label.toUpperCase() as ReadLabel,
      barcode,
      lane: Number(lane),
      part: Number(part),
      undetermined: /undetermined/i.test(barcode) || /_Undetermined$/i.test(stem) || /^lane\d+_Undetermined$/i.test(stem),
    };
  }
  const generic = GENERIC.exec(name);
  if (generic) {
    const [, stem, lane, label, part] = generic as unknown as [string, string, string | undefined, string, string | undefined];
    return {
      form: 'generic',
      stem,
      label: label.toUpperCase() as ReadLabel,
      ...(lane ? { lane: Number(lane) } : {}),
      part: part ? Number(part) : 1,
      undetermined: /^Undetermined$/i.test(stem),
    };
  }
  const bare = BARE.exec(name);
  if (bare) return { form: 'bare', stem: bare[1]!, label: 'R1', part: 1, undetermined: false };
  return undefined;
}

/**
 * The name bcl2fastq v2.20 and BCL Convert give a sample's FASTQ: `<name>_S<n>_L00<k>_<read>_001.fastq.gz`,
 * or `<name>_S<n>_<read>_001.fastq.gz` for {@link ALL_LANES}.
 *
 * @example illuminaFastqName('Sample1', 3, 2, 'R2') // 'Sample1_S3_L002_R2_001.fastq.gz'
 */
export function illuminaFastqName(stem: string, sampleNumber: number, lane: number, label: ReadLabel, part = 1): string {
  const lanePart = lane === ALL_LANES ? '' : `_L${String(lane).padStart(3, '0')}`;
  return `${stem}_S${sampleNumber}${lanePart}_${label}_${String(part).padStart(3, '0')}.fastq.gz`;
}
