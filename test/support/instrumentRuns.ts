import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Run folders laid out as the instruments' and demultiplexers' own documents define them — not as
 * Landfall's demo generator writes them — for the layout end-to-end tests. Each is small: a few dozen
 * reads per file. Sources, per builder: bcl2fastq2 v2.20 guide "FASTQ Files Directory" / "FASTQ File
 * Names"; BCL Convert guide "Output Files" and "Sample Sheet"; ONT output specifications "Output Structure"
 * and "FASTQ"; PacBio file formats "Revio & Vega file structure".
 */
export interface InstrumentRun {
  /** The run folder's name (the run id). */
  runId: string;
  /** Every file of the folder, in the order an instrument finishes them (completion marker last). */
  files: Array<{ path: string; bytes: Buffer }>;
  /** Each sample's data FASTQs (relative paths), whose records the test recounts on its own. */
  samples: Record<string, string[]>;
}

/** A small deterministic generator (mulberry32), so every run folder is the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bases = (next: () => number, length: number) => Array.from({ length }, () => 'ACGT'[Math.floor(next() * 4)]).join('');
const seedOf = (text: string) => [...text].reduce((hash, char) => (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0, 7);

/** Phred+33 qualities: mostly `floor`..`floor+9`, with a low 3' tail on some reads (so trim has work to do). */
function qualities(next: () => number, length: number, floor: number): string {
  const tail = next() < 0.3 ? Math.floor(next() * Math.min(20, length / 2)) : 0;
  return Array.from({ length }, (_, i) => String.fromCharCode(33 + (i >= length - tail ? 2 : floor + Math.floor(next() * 10)))).join('');
}

/** One lane's reads of an Illumina sample: the same cluster names in every read file, as bcl2fastq writes them. */
interface IlluminaReads {
  instrument: string;
  flowcell: string;
  lane: number;
  /** Read label → length (R1 150, R2 8 for a UMI, I1 8, …). */
  reads: Record<string, number>;
  count: number;
  seed: number;
  index: string;
}

/**
 * FASTQ text per read label for one lane of one sample, with Illumina (CASAVA 1.8+) headers
 * `@<instrument>:<run>:<flowcell>:<lane>:<tile>:<x>:<y> <read>:N:0:<index>`; mates share the name.
 */
function illuminaLane(spec: IlluminaReads): Record<string, string> {
  const next = random(spec.seed);
  const names = Array.from(
    { length: spec.count },
    (_, i) => `${spec.instrument}:7:${spec.flowcell}:${spec.lane}:${1101 + (i % 3)}:${1000 + i * 13}:${2000 + Math.floor(next() * 9000)}`,
  );
  const out: Record<string, string> = {};
  let readNumber = 0;
  for (const [label, length] of Object.entries(spec.reads)) {
    const number = label.startsWith('I') ? Number(label.slice(1)) : ++readNumber;
    out[label] = names
      .map(
        (name) =>
          `@${name} ${number}:N:0:${spec.index}\n${bases(next, length)}\n+\n${qualities(next, length, label.startsWith('R') ? 28 : 30)}\n`,
      )
      .join('');
  }
  return out;
}

const gz = (text: string) => gzipSync(Buffer.from(text));
const runInfo = (runId: string, flowcell: string, instrument: string, reads: Array<[number, boolean]>, lanes: number) =>
  Buffer.from(
    `<?xml version="1.0"?>\r\n<RunInfo xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Version="4">\r\n` +
      `  <Run Id="${runId}" Number="7">\r\n    <Flowcell>${flowcell}</Flowcell>\r\n    <Instrument>${instrument}</Instrument>\r\n    <Date>260101</Date>\r\n    <Reads>\r\n` +
      reads
        .map(([cycles, indexed], i) => `      <Read Number="${i + 1}" NumCycles="${cycles}" IsIndexedRead="${indexed ? 'Y' : 'N'}" />\r\n`)
        .join('') +
      `    </Reads>\r\n    <FlowcellLayout LaneCount="${lanes}" SurfaceCount="2" SwathCount="3" TileCount="12" />\r\n  </Run>\r\n</RunInfo>\r\n`,
  );

interface IlluminaSample {
  id: string;
  /** The name bcl2fastq gives the files (Sample_Name when set). */
  fileStem: string;
  folder: string;
  number: number;
  lanes: number[];
  index: string;
}

/** Writes every read file of every sample per lane (or lanes combined) under their folders. */
function illuminaFiles(
  runId: string,
  samples: IlluminaSample[],
  reads: Record<string, number>,
  options: { laneSplitting?: boolean; instrument?: string; flowcell?: string; undetermined?: number[] } = {},
): { files: InstrumentRun['files']; samples: InstrumentRun['samples'] } {
  const instrument = options.instrument ?? 'NB551452';
  const flowcell = options.flowcell ?? 'HW7JJAFXY';
  const files: InstrumentRun['files'] = [];
  const dataFiles: InstrumentRun['samples'] = {};
  const lanePart = (lane: number) => (options.laneSplitting === false ? '' : `_L${String(lane).padStart(3, '0')}`);
  const write = (stem: string, number: number, folder: string, lanes: number[], index: string, sampleId?: string) => {
    const byFile = new Map<string, string>();
    for (const lane of lanes) {
      const count = 15 + (seedOf(`${runId}/${stem}/${lane}`) % 25);
      const text = illuminaLane({ instrument, flowcell, lane, reads, count, seed: seedOf(`${runId}:${stem}:${lane}`), index });
      for (const [label, fastq] of Object.entries(text)) {
        const name = `${folder}${stem}_S${number}${lanePart(lane)}_${label}_001.fastq.gz`;
        byFile.set(name, (byFile.get(name) ?? '') + fastq);
      }
    }
    for (const [name, text] of byFile) {
      files.push({ path: name, bytes: gz(text) });
      if (sampleId && /_R\d_001/.test(name)) (dataFiles[sampleId] ??= []).push(name);
    }
  };
  for (const sample of samples) write(sample.fileStem, sample.number, sample.folder, sample.lanes, sample.index, sample.id);
  if (options.undetermined) write('Undetermined', 0, '', options.undetermined, 'NNNNNNNN');
  return { files, samples: dataFiles };
}

const sheetV1 = (header: string, data: string[]) =>
  Buffer.from(
    `\uFEFF[Header]\r\nIEMFileVersion,4\r\nExperiment Name,layouts\r\nWorkflow,GenerateFASTQ\r\n\r\n${header}[Data]\r\n${data.join('\r\n')}\r\n`,
  );

/**
 * bcl2fastq v2.20 with Sample_Project and a Sample_Name that differs from Sample_ID ("FASTQ Files Directory"):
 * `<Project>/<Sample_ID>/<Sample_Name>_S1_L001_R1_001.fastq.gz`, and `<Project>/<Sample_ID>_S2_…` where they
 * are equal; Undetermined at the top; Reports/ and Stats/; CopyComplete.txt last (NovaSeq 6000).
 */
export function bcl2fastqProjectRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'LIB-001', fileStem: 'Liver_A', folder: 'ProjA/LIB-001/', number: 1, lanes: [1, 2], index: 'TAAGGCGA' },
    { id: 'LIB-002', fileStem: 'LIB-002', folder: 'ProjA/', number: 2, lanes: [1, 2], index: 'CGTACTAG' },
    { id: 'LIB-003', fileStem: 'Kidney_C', folder: 'ProjB/LIB-003/', number: 3, lanes: [2], index: 'AGGCAGAA' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 50, R2: 50 }, { instrument: 'A00123', flowcell: 'HCLKXDSXY', undetermined: [1, 2] });
  const sheet = sheetV1('[Reads]\r\n50\r\n50\r\n\r\n[Settings]\r\nAdapter,AGATCGGAAGAGC\r\n\r\n', [
    'Lane,Sample_ID,Sample_Name,index,Sample_Project,Description',
    '1,LIB-001,Liver_A,TAAGGCGA,ProjA,',
    '2,LIB-001,Liver_A,TAAGGCGA,ProjA,',
    '1,LIB-002,LIB-002,CGTACTAG,ProjA,',
    '2,LIB-002,LIB-002,CGTACTAG,ProjA,',
    '2,LIB-003,Kidney_C,AGGCAGAA,ProjB,',
  ]);
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'RunInfo.xml',
        bytes: runInfo(
          runId,
          'HCLKXDSXY',
          'A00123',
          [
            [50, false],
            [8, true],
            [50, false],
          ],
          2,
        ),
      },
      { path: 'SampleSheet.csv', bytes: sheet },
      { path: 'InterOp/QMetricsOut.bin', bytes: Buffer.from([1, 2, 3, 4]) },
      ...made.files,
      { path: 'Stats/Stats.json', bytes: Buffer.from('{"Flowcell":"HCLKXDSXY"}\n') },
      { path: 'Reports/html/index.html', bytes: Buffer.from('<html></html>\n') },
      { path: 'RTAComplete.txt', bytes: Buffer.from('RTA 3.4.4\n') },
      { path: 'CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/**
 * NextSeq 500, sheet without a Lane column: bcl2fastq v2.20 writes L001–L004 for every sample; no
 * RunInfo.xml copied with the FASTQs; RTAComplete.txt is the only marker (RTA-only model).
 */
export function nextSeqNoLaneColumnRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'N1', fileStem: 'N1', folder: '', number: 1, lanes: [1, 2, 3, 4], index: 'ATCACGAT' },
    { id: 'N2', fileStem: 'N2', folder: '', number: 2, lanes: [1, 2, 3, 4], index: 'CGATGTTT' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 75 }, { undetermined: [1, 2, 3, 4] });
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'SampleSheet.csv',
        bytes: sheetV1('[Reads]\r\n75\r\n\r\n', ['Sample_ID,Sample_Name,index', 'N1,N1,ATCACGAT', 'N2,N2,CGATGTTT']),
      },
      ...made.files,
      { path: 'RTAComplete.txt', bytes: Buffer.from('RTA 2.4.11\n') },
    ],
  };
}

/** bcl2fastq v2.20 `--no-lane-splitting`: one file per sample and read holding both lanes, no `_L00k`. */
export function noLaneSplittingRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'M1', fileStem: 'M1', folder: 'Proj/', number: 1, lanes: [1, 2], index: 'ATCACGAT' },
    { id: 'M2', fileStem: 'M2', folder: 'Proj/', number: 2, lanes: [1, 2], index: 'CGATGTTT' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 60, R2: 60 }, { laneSplitting: false, undetermined: [1, 2] });
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'SampleSheet.csv',
        bytes: sheetV1('[Reads]\r\n60\r\n60\r\n\r\n', [
          'Sample_ID,Sample_Name,index,Sample_Project',
          'M1,M1,ATCACGAT,Proj',
          'M2,M2,CGATGTTT,Proj',
        ]),
      },
      ...made.files,
      { path: 'CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/** bcl2fastq v2.20 names by Sample_Name, in a `<Sample_ID>/` folder because they differ; no project. */
export function sampleNameRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'S-17', fileStem: 'mouse_brain', folder: 'S-17/', number: 1, lanes: [1], index: 'ATCACGAT' },
    { id: 'S-18', fileStem: 'mouse_liver', folder: 'S-18/', number: 2, lanes: [1], index: 'CGATGTTT' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 40, R2: 40 }, { undetermined: [1] });
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'SampleSheet.csv',
        bytes: sheetV1('[Reads]\r\n40\r\n40\r\n\r\n', [
          'Sample_ID,Sample_Name,index',
          'S-17,mouse_brain,ATCACGAT',
          'S-18,mouse_liver,CGATGTTT',
        ]),
      },
      ...made.files,
      { path: 'CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/**
 * BCL Convert ("Output Files") from a v2 sheet in the `[Data]` form with `[Reads]` Read1Cycles/Read2Cycles:
 * flat `<Sample_ID>_S#_L00#_R#_001.fastq.gz`, Undetermined_S0_, Reports/ and Logs/.
 */
export function bclConvertDataFormRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'D1', fileStem: 'D1', folder: '', number: 1, lanes: [1], index: 'ATCACGAT' },
    { id: 'D2', fileStem: 'D2', folder: '', number: 2, lanes: [1], index: 'CGATGTTT' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 51, R2: 51 }, { instrument: 'VH00123', flowcell: 'AAAWLKHM5', undetermined: [1] });
  const sheet = Buffer.from(
    '[Header]\r\nFileFormatVersion,2\r\nRunName,layouts\r\nInstrumentPlatform,NextSeq1k2k\r\n\r\n[Reads]\r\nRead1Cycles,51\r\nRead2Cycles,51\r\nIndex1Cycles,8\r\n\r\n' +
      '[Data]\r\nSample_ID,Index\r\nD1,ATCACGAT\r\nD2,CGATGTTT\r\n',
  );
  return {
    runId,
    samples: made.samples,
    files: [
      { path: 'SampleSheet.csv', bytes: sheet },
      ...made.files,
      { path: 'Reports/Demultiplex_Stats.csv', bytes: Buffer.from('Lane,SampleID,Index,# Reads\n') },
      { path: 'Reports/fastq_list.csv', bytes: Buffer.from('RGID,RGSM,RGLB,Lane,Read1File,Read2File\n') },
      { path: 'Logs/Info.log', bytes: Buffer.from('done\n') },
      { path: 'CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/**
 * BCL Convert's `Reports/Demultiplex_Stats.csv` for files written by {@link illuminaFiles}: the R1 records of each
 * sample and lane, as BCL Convert 4 writes the table (with its Sample_Project column and the Undetermined rows).
 */
function demultiplexStats(files: InstrumentRun['files'], samples: IlluminaSample[]): Buffer {
  const records = (path: string) =>
    gunzipSync(files.find((file) => file.path === path)!.bytes)
      .toString('utf8')
      .split('\n').length >> 2;
  const undetermined = { id: 'Undetermined', fileStem: 'Undetermined', folder: '', number: 0, lanes: samples[0]!.lanes, index: '' };
  const r1 = (sample: IlluminaSample, lane: number) =>
    `${sample.folder}${sample.fileStem}_S${sample.number}_L${String(lane).padStart(3, '0')}_R1_001.fastq.gz`;
  const rows = [...samples, undetermined].flatMap((sample) =>
    sample.lanes
      .filter((lane) => files.some((file) => file.path === r1(sample, lane)))
      .map((lane) => {
        const reads = records(r1(sample, lane));
        return `${lane},${sample.id},,${sample.index},${reads},${reads},0,0,0.5000,1.0000,0.0000,0.0000`;
      }),
  );
  const header =
    'Lane,SampleID,Sample_Project,Index,# Reads,# Perfect Index Reads,# One Mismatch Index Reads,# Two Mismatch Index Reads,% Reads,% Perfect Index Reads,% One Mismatch Index Reads,% Two Mismatch Index Reads';
  return Buffer.from(`${[header, ...rows].join('\n')}\n`);
}

/**
 * A BCL Convert output directory copied to the share as the run folder (a lab demultiplexing off the instrument
 * with `--output-directory`): FASTQs, `Reports/` holding the copies of the sheet and RunInfo.xml it converted with
 * ("the sample sheet and RunInfo.xml file used during conversion is copied into the Reports/ output subfolder"),
 * and `Logs/` with `FastqComplete.txt`, "created when conversion is complete" — no top-level sheet, no CopyComplete.txt.
 */
export function bclConvertOutputFolderRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'O1', fileStem: 'O1', folder: '', number: 1, lanes: [1, 2], index: 'TAAGGCGA' },
    { id: 'O2', fileStem: 'O2', folder: '', number: 2, lanes: [1, 2], index: 'CGTACTAG' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 61, R2: 61 }, { instrument: 'A01234', flowcell: 'HXYZ7DRX3', undetermined: [1, 2] });
  const sheet = Buffer.from(
    '[Header]\r\nFileFormatVersion,2\r\nRunName,offline\r\n\r\n[Reads]\r\nRead1Cycles,61\r\nRead2Cycles,61\r\nIndex1Cycles,8\r\n\r\n' +
      '[BCLConvert_Settings]\r\nSoftwareVersion,4.2.7\r\n\r\n[BCLConvert_Data]\r\nSample_ID,Index\r\nO1,TAAGGCGA\r\nO2,CGTACTAG\r\n',
  );
  return {
    runId,
    samples: made.samples,
    files: [
      ...made.files,
      { path: 'Reports/SampleSheet.csv', bytes: sheet },
      {
        path: 'Reports/RunInfo.xml',
        bytes: runInfo(
          runId,
          'HXYZ7DRX3',
          'A01234',
          [
            [61, false],
            [8, true],
            [61, false],
          ],
          2,
        ),
      },
      { path: 'Reports/Demultiplex_Stats.csv', bytes: demultiplexStats(made.files, samples) },
      { path: 'Reports/fastq_list.csv', bytes: Buffer.from('RGID,RGSM,RGLB,Lane,Read1File,Read2File\n') },
      { path: 'Logs/Info.log', bytes: Buffer.from('conversion complete\n') },
      { path: 'Logs/FastqComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/**
 * A lab's copy of a NovaSeq X onboard analysis alone (`Analysis/1/`): BCL Convert's FASTQs in
 * `Data/BCLConvert/fastq/`, the analysis's own sheet and `Demux/Demultiplex_Stats.csv`, and the two files the
 * instrument writes when the analysis is finished and copied (`Data/Secondary_Analysis_Complete.txt`,
 * `CopyComplete.txt`). No top-level sheet, RunInfo.xml or CopyComplete.txt.
 */
export function analysisOnlyCopyRun(runId: string): InstrumentRun {
  const folder = 'Analysis/1/Data/BCLConvert/fastq/';
  const samples: IlluminaSample[] = [
    { id: 'X1', fileStem: 'X1', folder, number: 1, lanes: [1, 2], index: 'TAAGGCGA' },
    { id: 'X2', fileStem: 'X2', folder, number: 2, lanes: [1, 2], index: 'CGTACTAG' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 51, R2: 51 }, { instrument: 'LH00417', flowcell: '22FJKLLT3' });
  const sheet = Buffer.from(
    '[Header]\r\nFileFormatVersion,2\r\nRunName,analysis-only\r\nInstrumentPlatform,NovaSeqXSeries\r\n\r\n[Reads]\r\nRead1Cycles,51\r\nRead2Cycles,51\r\nIndex1Cycles,8\r\n\r\n' +
      '[BCLConvert_Settings]\r\nSoftwareVersion,4.1.7\r\n\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n1,X1,TAAGGCGA\r\n2,X1,TAAGGCGA\r\n1,X2,CGTACTAG\r\n2,X2,CGTACTAG\r\n',
  );
  return {
    runId,
    samples: made.samples,
    files: [
      { path: 'Analysis/1/Data/SampleSheet.csv', bytes: sheet },
      ...made.files,
      { path: 'Analysis/1/Data/Demux/Demultiplex_Stats.csv', bytes: demultiplexStats(made.files, samples) },
      { path: 'Analysis/1/Data/Secondary_Analysis_Complete.txt', bytes: Buffer.alloc(0) },
      { path: 'Analysis/1/CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/**
 * 10x: one Sample_ID on its four index rows; RunInfo R1 50 / I1 8 / R2 16 / R3 50 with index FASTQs, so
 * bcl2fastq writes R1 (mate 1), R2 (the 16 bp barcode/UMI read), R3 (mate 2) and I1.
 */
export function tenXRun(runId: string): InstrumentRun {
  const sets: Record<string, string[]> = {
    ATAC1: ['TTTCATGA', 'ACGTCCCT', 'CGCATGTG', 'GAAGGAAC'],
    ATAC2: ['AGTCACTA', 'CAGAGTCC', 'GCATTGAG', 'TTCGCAGT'],
  };
  const samples: IlluminaSample[] = Object.entries(sets).map(([id, indexes], i) => ({
    id,
    fileStem: id,
    folder: 'tenx/',
    number: i + 1,
    lanes: [1],
    index: indexes[0]!,
  }));
  const made = illuminaFiles(runId, samples, { R1: 50, R2: 16, R3: 50, I1: 8 }, { undetermined: [1] });
  const rows = Object.entries(sets).flatMap(([id, indexes]) => indexes.map((index) => `1,${id},${id},${index},tenx`));
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'RunInfo.xml',
        bytes: runInfo(
          runId,
          'HW7JJAFXY',
          'NB551452',
          [
            [50, false],
            [8, true],
            [16, false],
            [50, false],
          ],
          1,
        ),
      },
      { path: 'SampleSheet.csv', bytes: sheetV1('', ['Lane,Sample_ID,Sample_Name,index,Sample_Project', ...rows]) },
      ...made.files,
      { path: 'CopyComplete.txt', bytes: Buffer.alloc(0) },
    ],
  };
}

/** MiSeq single-read run: RunInfo one data read, FASTQs in Data/Intensities/BaseCalls/, RTAComplete.txt. */
export function miSeqSingleReadRun(runId: string): InstrumentRun {
  const samples: IlluminaSample[] = [
    { id: 'Amp1', fileStem: 'Amp1', folder: 'Data/Intensities/BaseCalls/', number: 1, lanes: [1], index: 'ATCACGAT' },
    { id: 'Amp2', fileStem: 'Amp2', folder: 'Data/Intensities/BaseCalls/', number: 2, lanes: [1], index: 'CGATGTTT' },
  ];
  const made = illuminaFiles(runId, samples, { R1: 150 }, { instrument: 'M01234', flowcell: '000000000-K9H97', undetermined: [1] });
  return {
    runId,
    samples: made.samples,
    files: [
      {
        path: 'RunInfo.xml',
        bytes: runInfo(
          runId,
          '000000000-K9H97',
          'M01234',
          [
            [150, false],
            [8, true],
          ],
          1,
        ),
      },
      {
        path: 'SampleSheet.csv',
        bytes: sheetV1('[Reads]\r\n150\r\n\r\n', ['Sample_ID,Sample_Name,index', 'Amp1,Amp1,ATCACGAT', 'Amp2,Amp2,CGATGTTT']),
      },
      ...made.files,
      { path: 'RTAComplete.txt', bytes: Buffer.from('RTA 1.18.54\n') },
    ],
  };
}

/** ONT reads: `@<uuid> runid=… read=… ch=… start_time=… flow_cell_id=… barcode=…`, 300–1,500 bases, Phred ~10–20. */
function ontFastq(seed: number, count: number, barcode: string): string {
  const next = random(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  let text = '';
  for (let i = 0; i < count; i++) {
    const length = 300 + Math.floor(next() * 1200);
    const header = `@${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)} runid=${hex(40)} read=${i + 1} ch=${1 + Math.floor(next() * 512)} start_time=2026-01-01T12:${String(i % 60).padStart(2, '0')}:00Z flow_cell_id=PAO25751 protocol_group_id=layouts sample_id=pool1 barcode=${barcode}`;
    text += `${header}\n${bases(next, length)}\n+\n${qualities(next, length, 9)}\n`;
  }
  return text;
}

/**
 * MinKNOW ("Output Structure", "FASTQ"): fastq_pass/<barcode>/<flow cell>_pass_<barcode>_<ids>_<batch>.fastq.gz
 * for two barcodes with two batches each, unclassified reads, fastq_fail/, pod5/, reports, and
 * final_summary_*.txt written once every file is.
 */
export function minknowRun(runId: string): InstrumentRun {
  const ids = 'e05460c6_de9f2c7f';
  const files: InstrumentRun['files'] = [];
  const samples: InstrumentRun['samples'] = {};
  for (const barcode of ['barcode01', 'barcode02']) {
    for (const batch of [0, 1]) {
      const name = `fastq_pass/${barcode}/PAO25751_pass_${barcode}_${ids}_${batch}.fastq.gz`;
      files.push({ path: name, bytes: gz(ontFastq(seedOf(name), 12 + batch * 5, barcode)) });
      (samples[barcode] ??= []).push(name);
    }
  }
  files.push(
    { path: `fastq_pass/unclassified/PAO25751_pass_unclassified_${ids}_0.fastq.gz`, bytes: gz(ontFastq(3, 4, 'unclassified')) },
    { path: `fastq_fail/barcode01/PAO25751_fail_barcode01_${ids}_0.fastq.gz`, bytes: gz(ontFastq(4, 3, 'barcode01')) },
    { path: 'pod5/PAO25751_fd97ea7b_0f1d7e9e_0.pod5', bytes: Buffer.from('POD5') },
    { path: `sequencing_summary_PAO25751_${ids}.txt`, bytes: Buffer.from('filename_fastq\tread_id\tchannel\n') },
    { path: 'report_PAO25751_20260101_1200_e05460c6.html', bytes: Buffer.from('<html></html>\n') },
    {
      path: `final_summary_PAO25751_${ids}.txt`,
      bytes: Buffer.from('instrument=MN12345\nflow_cell_id=PAO25751\nfastq_files_in_final_dest=6\n'),
    },
  );
  files.push({ path: 'output_hash_PAO25751_20260101_1200_e05460c6.csv', bytes: minknowOutputHash(files) });
  return { runId, files, samples };
}

/**
 * MinKNOW's output hash file for `files` (ONT output specifications, "Output Hash File", version 1.1): one row per
 * file with its SHA-256, empty for POD5, which MinKNOW does not hash.
 */
function minknowOutputHash(files: InstrumentRun['files']): Buffer {
  const rows = files.map(({ path: file, bytes }) => {
    const hash = file.endsWith('.pod5') ? '' : createHash('sha256').update(bytes).digest('hex');
    const barcode = /\/(barcode\d+|unclassified)\//.exec(file)?.[1] ?? '';
    return `e05460c6-93f9-439a-bc8f-d20c95a137a5,layouts,PAO25751,pool1,${hash},${file},${barcode},${barcode}`;
  });
  return Buffer.from(['runid,protocol_group_id,flow_cell_id,sample_id,file_hash,file_path,barcode,barcode_alias', ...rows, ''].join('\n'));
}

/**
 * A MinKNOW experiment folder ("Output Structure", data pooling off:
 * `<sample_id>/<start_time>_<device>_<flow cell>_<short protocol run id>/`): two libraries on two flow
 * cells, both using the kit's barcode01 and barcode02 for their own samples, each protocol run with its
 * own final_summary counting its own FASTQs. Samples are `<library>_<barcode>`.
 */
export function minknowExperimentRun(runId: string): InstrumentRun {
  const files: InstrumentRun['files'] = [];
  const samples: InstrumentRun['samples'] = {};
  const libraries = [
    { library: 'libA', folder: '20260101_1200_1A_PAW11111_e05460c6', flowCell: 'PAW11111', ids: 'e05460c6_de9f2c7f' },
    { library: 'libB', folder: '20260101_1305_1B_PAW22222_7a1b2c3d', flowCell: 'PAW22222', ids: '7a1b2c3d_0f1e2d3c' },
  ];
  for (const { library, folder, flowCell, ids } of libraries) {
    for (const barcode of ['barcode01', 'barcode02']) {
      for (const batch of [0, 1]) {
        const name = `${library}/${folder}/fastq_pass/${barcode}/${flowCell}_pass_${barcode}_${ids}_${batch}.fastq.gz`;
        files.push({ path: name, bytes: gz(ontFastq(seedOf(name), 6 + batch * 3, barcode)) });
        (samples[`${library}_${barcode}`] ??= []).push(name);
      }
    }
    files.push({
      path: `${library}/${folder}/final_summary_${flowCell}_${ids}.txt`,
      bytes: Buffer.from(`instrument=PC24B123\nflow_cell_id=${flowCell}\nfastq_files_in_final_dest=4\n`),
    });
  }
  return { runId, files, samples };
}

/**
 * A MinKNOW barcode as a PromethION flow cell writes it: thousands of FASTQ batches (`_<batch>.fastq.gz`,
 * 0-based) in one barcode folder, then final_summary_*.txt counting them. Its file list is larger than one
 * DynamoDB item, one EventBridge entry or one Step Functions input may hold; a few reads per batch keep it small.
 */
export function minknowPromethionRun(runId: string, batches: number): InstrumentRun {
  const ids = 'a3f5c1d2_7b9e4f60';
  const files: InstrumentRun['files'] = [];
  const samples: InstrumentRun['samples'] = { barcode01: [] };
  for (let batch = 0; batch < batches; batch++) {
    const name = `fastq_pass/barcode01/PBC12345_pass_barcode01_${ids}_${batch}.fastq.gz`;
    files.push({ path: name, bytes: gz(ontFastq(seedOf(name), 2, 'barcode01')) });
    samples.barcode01!.push(name);
  }
  files.push(
    { path: `sequencing_summary_PBC12345_${ids}.txt`, bytes: Buffer.from('filename_fastq\tread_id\tchannel\n') },
    {
      path: `final_summary_PBC12345_${ids}.txt`,
      bytes: Buffer.from(`instrument=PC24B123\nflow_cell_id=PBC12345\nfastq_files_in_final_dest=${batches}\n`),
    },
  );
  return { runId, files, samples };
}

/** PacBio HiFi reads: `@<movie>/<zmw>/ccs`, 800–2,500 bases, high Phred. */
function hifiFastq(movie: string, seed: number, count: number): string {
  const next = random(seed);
  let text = '';
  for (let i = 0; i < count; i++) {
    const length = 800 + Math.floor(next() * 1700);
    text += `@${movie}/${1000 + i * 37}/ccs\n${bases(next, length)}\n+\n${qualities(next, length, 50)}\n`;
  }
  return text;
}

/**
 * Revio ("Revio & Vega file structure"), HiFi FASTQs per barcode: `<well>/hifi_reads/<movie>.hifi_reads.<bc>.fastq.gz`,
 * `unassigned` reads, BAM/PBI beside them, fail_reads/ and metadata/; transfer_complete.txt last.
 */
export function revioRun(runId: string): InstrumentRun {
  const movie = 'm84001_260101_134701_s1';
  const files: InstrumentRun['files'] = [];
  const samples: InstrumentRun['samples'] = {};
  for (const barcode of ['bc2001', 'bc2002']) {
    const name = `1_A01/hifi_reads/${movie}.hifi_reads.${barcode}.fastq.gz`;
    files.push({ path: name, bytes: gz(hifiFastq(movie, seedOf(name), 10)) });
    files.push({ path: `1_A01/hifi_reads/${movie}.hifi_reads.${barcode}.bam`, bytes: Buffer.from('BAM\u0001') });
    samples[`${movie}.${barcode}`] = [name];
  }
  files.push(
    { path: `1_A01/hifi_reads/${movie}.hifi_reads.unassigned.fastq.gz`, bytes: gz(hifiFastq(movie, 9, 3)) },
    { path: `1_A01/fail_reads/${movie}.fail_reads.bc2001.bam`, bytes: Buffer.from('BAM\u0001') },
    { path: `1_A01/metadata/${movie}.metadata.xml`, bytes: Buffer.from('<PacBioDataModel/>\n') },
    { path: 'transfer_complete.txt', bytes: Buffer.alloc(0) },
  );
  return { runId, files, samples };
}

/** Writes a run folder to `dir/<runId>/` (for `landfall validate`), files in instrument order. */
export async function writeRunFolder(dir: string, run: InstrumentRun): Promise<string> {
  const folder = path.join(dir, run.runId);
  for (const file of run.files) {
    await mkdir(path.dirname(path.join(folder, file.path)), { recursive: true });
    await writeFile(path.join(folder, file.path), file.bytes);
  }
  return folder;
}

/** Copies a written run folder into the share `share/<team>/<runId>/`, one file after another, marker last. */
export async function dropRunFolder(source: string, shareDir: string, team: string, run: InstrumentRun): Promise<void> {
  for (const file of run.files) {
    const target = path.join(shareDir, team, run.runId, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(source, file.path), target);
  }
}
