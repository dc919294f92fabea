/** What a rule looks at: one file, R1 with its R2, a landed sample, or a whole run folder. */
export type RuleScope = 'file' | 'pair' | 'sample' | 'run';

/** One check of the validator: a stable code, what valid data has (one line), and where the check lives. */
export interface ValidationRule {
  /** Stable identifier every reason of the rule carries, e.g. `FASTQ_PLUS_NAME_MISMATCH`. */
  readonly code: RuleCode;
  readonly scope: RuleScope;
  /** What valid data has, in one line; README "Validation rules" lists exactly these. */
  readonly description: string;
  /** Repository paths of the modules that perform the check and build its reasons. */
  readonly checkedIn: readonly string[];
}

const GZIP = 'validation/hashAndInflate.ts';
const SCANNER = 'validation/FastqScanner.ts';
const PAIRING = 'validation/MatePairing.ts';
const SAMPLE = 'validation/validateSample.ts';
const MANIFEST = 'validation/manifest.ts';
const RUN_FOLDER = 'validation/validateRunFolder.ts';
const SHEET = 'validation/validateFile.ts';
/** What the team's pipeline needs of a sample (issue 17), checked in the validate function. */
const PIPELINE = 'functions/validation/pipelineRequirements.ts';

function rule(scope: RuleScope, checkedIn: string | readonly string[], description: string) {
  return { scope, description, checkedIn: typeof checkedIn === 'string' ? [checkedIn] : checkedIn };
}

/**
 * Every rule the validator applies, in the order `landfall validate --rules` and the README list them.
 * The same modules run in the validate function, the Batch validation job and `landfall validate`.
 *
 * Adding a rule: an entry here; its check in the module `checkedIn` names, building its reasons with
 * {@link reasonOf}; its row in README "Validation rules" (a test compares the two); a test that
 * produces it.
 */
const RULES = {
  FILE_EMPTY: rule('file', GZIP, 'A FASTQ file is not empty.'),
  GZIP_MAGIC: rule('file', GZIP, 'A `.gz` file starts with the gzip magic bytes 1f 8b.'),
  GZIP_METHOD: rule('file', GZIP, 'Every gzip member uses compression method 8 (deflate).'),
  GZIP_TRUNCATED: rule('file', GZIP, 'The gzip data ends with a complete member and its CRC-32 and length trailer.'),
  GZIP_CRC_MISMATCH: rule('file', GZIP, "Each gzip member's CRC-32 matches its decompressed data."),
  GZIP_LENGTH_MISMATCH: rule('file', GZIP, "Each gzip member's length trailer (ISIZE) matches its decompressed data."),
  GZIP_CORRUPT: rule('file', GZIP, 'The compressed data inflates without error.'),
  GZIP_TRAILING_DATA: rule('file', GZIP, 'Nothing follows the last gzip member: no NUL padding, no stray bytes.'),
  FASTQ_NO_RECORDS: rule('file', SCANNER, 'A FASTQ file holds at least one record.'),
  FASTQ_HEADER: rule('file', SCANNER, "Each record starts with a header line beginning with '@'."),
  FASTQ_BLANK_LINE: rule('file', SCANNER, 'Blank lines appear only at the end of the file.'),
  FASTQ_SEPARATOR: rule('file', SCANNER, "The third line of each record starts with '+'."),
  FASTQ_PLUS_NAME_MISMATCH: rule('file', SCANNER, "Text after the '+', if any, repeats the record's '@' title or its name."),
  FASTQ_INVALID_BASE: rule('file', SCANNER, 'Bases are A, C, G, T or N, in either case.'),
  FASTQ_LEGACY_NO_CALL: rule('file', SCANNER, "A '.' base (a legacy no-call) counts as N only when `validation.legacyNoCalls` is on."),
  FASTQ_QUALITY_RANGE: rule('file', SCANNER, "Quality characters are '!' to '~'."),
  FASTQ_QUALITY_LENGTH: rule('file', SCANNER, 'A record has as many quality characters as bases.'),
  FASTQ_PHRED64: rule(
    'file',
    SCANNER,
    'Qualities are Phred+33 (Sanger, Illumina 1.8+); Phred+64 (Illumina 1.3–1.7) is detected and rejected.',
  ),
  FASTQ_INCOMPLETE_RECORD: rule('file', SCANNER, 'The last record has all four lines.'),
  MORE_PROBLEMS: rule('file', SCANNER, 'At most 10 problems are listed per file; one more reason counts the rest.'),
  PAIR_READ_COUNT: rule('pair', PAIRING, 'R1 and R2 of a lane hold the same number of records.'),
  PAIR_READ_NAME: rule('pair', PAIRING, 'Record k of R1 and record k of R2 carry the same read name (`/1` and `/2` aside).'),
  MISSING_MATE: rule('sample', [SAMPLE, RUN_FOLDER], 'In a paired sample every R1 has its R2 in the same lane, and every R2 its R1.'),
  SIZE_CHANGED: rule('sample', SAMPLE, 'A landed file keeps the size it landed with while it is validated.'),
  DEMUX_READ_COUNT: rule(
    'sample',
    'validation/demultiplexedReads.ts',
    "Each FASTQ holds as many reads as the demultiplexer's report (BCL Convert Demultiplex_Stats.csv) gives its sample and lane.",
  ),
  MATE_READ_LENGTH: rule(
    'sample',
    'validation/mateLength.ts',
    "A mate's longest read is longer than RunInfo.xml's index reads (else it is an index or UMI read written as R2, and R3 is the mate).",
  ),
  PIPELINE_READ_MISSING: rule(
    'sample',
    PIPELINE,
    "A sample has every read its pipeline's steps name as {{reads.<label>}} (R2 for a paired pipeline).",
  ),
  PIPELINE_PARAM: rule(
    'sample',
    PIPELINE,
    'Each {{param.<Column>}} a step uses is filled (or defaulted), and shell-safe where it goes into shell text.',
  ),
  PIPELINE_REFERENCE: rule('sample', PIPELINE, "A step's reference column (or its default) names one of the config's references."),
  UNSAFE_PATH: rule(
    'run',
    MANIFEST,
    "File names are relative paths inside the run folder: no '..', no leading '/', no control characters.",
  ),
  LINK_OUTSIDE: rule('run', RUN_FOLDER, 'Links in a run folder lead to files inside it.'),
  SAMPLE_SHEET: rule('run', SHEET, 'A sample sheet reads as v1 or v2: a data section with Sample_ID, lanes 1–8, unique (Lane, Sample_ID).'),
  RUN_INFO: rule('run', RUN_FOLDER, 'A RunInfo.xml in the run folder parses: its reads, their cycles and the lane count.'),
  NO_SAMPLE_SHEET: rule('run', RUN_FOLDER, 'A run folder checked with the illumina profile holds a SampleSheet.csv.'),
  MISSING_FILE: rule(
    'run',
    RUN_FOLDER,
    "Every file the sample sheet (sample × lane × read) or the manifest lists, and every FASTQ MinKNOW's final summary counts, is there.",
  ),
  DUPLICATE_FILE: rule('run', RUN_FOLDER, 'Each FASTQ name the sample sheet expects occurs once in the run folder.'),
  ORPHAN_FASTQ: rule('run', RUN_FOLDER, 'Every FASTQ belongs to a sample of the sheet or the manifest (or is Undetermined_S0_*).'),
  NO_MANIFEST: rule('run', RUN_FOLDER, 'A run folder checked with the manifest profile holds a manifest.'),
  MANIFEST_LINE: rule(
    'run',
    MANIFEST,
    'A manifest line is `<hex>  <name>` (md5sum) or `MD5 (<name>) = <hex>`; a MinKNOW hash file row: SHA-256, file_path.',
  ),
  MANIFEST_JSON: rule('run', MANIFEST, 'A JSON manifest parses as JSON.'),
  MANIFEST_SHAPE: rule('run', MANIFEST, 'A JSON manifest is an array of files or `{ "files": [...] }`.'),
  MANIFEST_ENTRY: rule('run', MANIFEST, 'Each JSON manifest entry has a path; its md5 (32 hex), sha256 (64 hex) and size are well formed.'),
  MANIFEST_SIZE_MISMATCH: rule('file', MANIFEST, "A listed file's size equals the manifest's."),
  MANIFEST_MD5_MISMATCH: rule('file', MANIFEST, "A listed file's MD5 equals the manifest's."),
  MANIFEST_SHA256_MISMATCH: rule('file', MANIFEST, "A listed file's SHA-256 equals the manifest's."),
} as const satisfies Record<string, Omit<ValidationRule, 'code'>>;

/** The code of a registered rule. */
export type RuleCode = keyof typeof RULES;

/** Every rule, in registry order. */
export const VALIDATION_RULES: readonly ValidationRule[] = Object.entries(RULES).map(([code, entry]) => ({
  code: code as RuleCode,
  ...entry,
}));

/** The rule of a code. */
export function ruleOf(code: RuleCode): ValidationRule {
  return { code, ...RULES[code] };
}

/**
 * A reason produced by the rule `code` (a `ValidationReason` once `file` and `message` are given):
 * the one way the validator builds reasons, so every reason says which rule it breaks.
 *
 * @example
 * reasons.push(reasonOf('MISSING_MATE', { file, expected: `its mate ${mate}`, found: 'no such file', message }));
 */
export function reasonOf<Fields extends { file: string; message: string }>(code: RuleCode, fields: Fields): { code: RuleCode } & Fields {
  return { code, ...fields };
}
