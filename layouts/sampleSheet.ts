import { SampleSheetError } from './errors.ts';
import { parseOverrideCycles } from './overrideCycles.ts';

/** Which sample sheet format a file is: Illumina IEM v1, BCL Convert v2, or the CASAVA 1.8 one-table CSV. */
export type SampleSheetFormat = 'v1' | 'v2' | 'casava';

/** One sample of a sheet: every row with its Sample_ID folded into one (10x sheets list one sample on four index rows). */
export interface SheetSample {
  sampleId: string;
  /** Sample_Name when set: bcl2fastq names the FASTQs by it (and puts them in a `<Sample_ID>/` folder when it differs). */
  sampleName?: string;
  /** Sample_Project (v1/v2), SampleProject (CASAVA) or `[Cloud_Data]` ProjectName. */
  project?: string;
  /** 1-based `S<n>`: order of first appearance among the sheet's Sample_IDs, as bcl2fastq and BCL Convert number FASTQs. */
  sampleNumber: number;
  /** Lanes the sample was demultiplexed in; undefined when the sheet has no Lane (then: every lane of the flow cell). */
  lanes?: number[];
  /** Index sequences (index, or index-index2) of its rows, in sheet order. */
  indexes: string[];
  /** A per-sample OverrideCycles column (BCL Convert mixed pools). */
  overrideCycles?: string;
  /** Sheet line of its first row. */
  line: number;
}

/** Read lengths the sheet's `[Reads]` section states (v2 `Read1Cycles,151`; v1 lists one number per data read). */
export interface SheetReads {
  read1Cycles?: number;
  read2Cycles?: number;
  index1Cycles?: number;
  index2Cycles?: number;
}

/** Settings of `[BCLConvert_Settings]` / `[Settings]` that change which FASTQs are written. */
export interface SheetSettings {
  /** e.g. `Y151;I8U8;I8;Y151` (semicolon between reads; Y data, I index, U UMI, N skipped). */
  overrideCycles?: string;
  /** `CreateFastqForIndexReads,1`: I1/I2 FASTQs are written. */
  createFastqForIndexReads?: boolean;
  /** `NoLaneSplitting,true`: one FASTQ per sample and read, all lanes combined, no `_L00<k>` in the name. */
  noLaneSplitting?: boolean;
}

export interface SampleSheet {
  format: SampleSheetFormat;
  samples: SheetSample[];
  /** Undefined when the sheet has no `[Reads]` section (never a reason to reject: RunInfo.xml or the files decide). */
  reads?: SheetReads;
  settings: SheetSettings;
  /** Whether the data table has a Lane column. */
  hasLaneColumn: boolean;
}

/** One problem of a sheet, with its line (1-based) and expected vs found where it applies. */
export interface SampleSheetProblem {
  line?: number;
  message: string;
  expected?: string;
  found?: string;
}

/** Every problem of a sheet (not just the first), and the sheet when its structure could be read. */
export interface SampleSheetCheck {
  sheet?: SampleSheet;
  problems: SampleSheetProblem[];
}

interface Row {
  line: number;
  cells: string[];
}

const SAFE_SAMPLE_ID = /^[A-Za-z0-9_-]+$/;
const CASAVA_COLUMNS = ['FCID', 'Lane', 'SampleID', 'Index', 'SampleProject'];

/**
 * Parses an Illumina sample sheet — v1 (IEM: `[Header]`, `[Reads]`, `[Settings]`, `[Data]`), v2
 * (`[BCLConvert_Data]` or `[Data]`, `[Reads]` with `Read1Cycles`…, `[BCLConvert_Settings]`,
 * `[Cloud_Data]`) or CASAVA 1.8 (`FCID,Lane,SampleID,…,SampleProject`) — tolerating a BOM, CRLF,
 * trailing commas and blank lines. A UTF-16 file is refused with an error that names the encoding.
 *
 * @throws SampleSheetError for the first problem {@link checkSampleSheet} finds
 * @example parseSampleSheet(fs.readFileSync('SampleSheet.csv')).samples.map((s) => s.sampleId)
 */
export function parseSampleSheet(input: Buffer | string, file = 'SampleSheet.csv'): SampleSheet {
  const { sheet, problems } = checkSampleSheet(input);
  const first = problems[0];
  if (first || !sheet) throw new SampleSheetError(first?.message ?? 'unreadable', first?.line, file);
  return sheet;
}

/**
 * Like {@link parseSampleSheet}, but collects every problem instead of throwing at the first: each bad
 * row (empty or unsafe Sample_ID, bad lane, a row repeated, one Sample_ID with two names or projects) is
 * reported with its line, and the rows that are fine still make up `sheet`. Structural problems (an
 * encoding other than UTF-8, no data section, no Sample_ID column, no samples) leave `sheet` undefined.
 *
 * @example checkSampleSheet(text).problems.map((p) => `line ${p.line}: ${p.message}`)
 */
export function checkSampleSheet(input: Buffer | string): SampleSheetCheck {
  const decoded = decodeSheet(input);
  if ('problem' in decoded) return { problems: [decoded.problem] };
  const rows = decoded.text
    .split(/\r\n|\n|\r/)
    .map((raw, index) => ({ line: index + 1, cells: splitCsvLine(raw) }))
    .filter((row) => row.cells.length > 0);
  const firstRow = rows[0];
  if (firstRow && !isSectionHeader(firstRow) && hasColumns(firstRow, CASAVA_COLUMNS)) return checkCasavaSheet(rows);

  const sections = new Map<string, Row[]>();
  let current: string | undefined;
  for (const row of rows) {
    const header = isSectionHeader(row);
    if (header) {
      current = header;
      sections.set(current.toLowerCase(), []);
    } else if (current) sections.get(current.toLowerCase())!.push(row);
  }
  const section = (name: string) => sections.get(name.toLowerCase());
  const v2 =
    section('BCLConvert_Data') !== undefined ||
    section('BCLConvert_Settings') !== undefined ||
    keyValues(section('Header') ?? []).get('fileformatversion') === '2';
  const dataName = section('BCLConvert_Data') ? 'BCLConvert_Data' : 'Data';
  const data = section(dataName);
  if (!data) {
    return {
      problems: [
        {
          message: 'no [BCLConvert_Data] or [Data] section',
          expected: 'a [BCLConvert_Data] (v2), [Data] (v1 or v2) section, or a CASAVA 1.8 table (FCID,Lane,SampleID,…)',
          found: sections.size > 0 ? `sections ${[...sections.keys()].map((name) => `[${name}]`).join(', ')}` : 'no sections',
        },
      ],
    };
  }
  const [headerRow, ...dataRows] = data;
  if (!headerRow) {
    return {
      problems: [{ message: `[${dataName}] has no header row`, expected: 'a header row (Sample_ID, …)', found: 'an empty section' }],
    };
  }
  const columns = columnsOf(headerRow);
  const idColumn = columns('Sample_ID');
  if (idColumn < 0) {
    return {
      problems: [
        {
          line: headerRow.line,
          message: `[${dataName}] header has no Sample_ID column (found: ${headerRow.cells.join(', ')})`,
          expected: 'a Sample_ID column',
          found: headerRow.cells.join(', '),
        },
      ],
    };
  }
  const cloudProjects = projectsFromCloudData(section('Cloud_Data') ?? []);
  const settingsRows = section('BCLConvert_Settings') ?? section('Settings') ?? [];
  const settings = settingsOf(settingsRows);
  const overrideProblems: SampleSheetProblem[] = [];
  if (settings.overrideCycles && !parseOverrideCycles(settings.overrideCycles)) {
    overrideProblems.push(
      overrideCyclesProblem(settings.overrideCycles, settingsRows.find((row) => /^overridecycles$/i.test(row.cells[0] ?? ''))?.line),
    );
    delete settings.overrideCycles;
  }
  const reads = readsOf(section('Reads'));
  const laneColumn = columns('Lane');
  const { samples, problems } = foldSamples(dataRows, {
    id: idColumn,
    lane: laneColumn,
    name: columns('Sample_Name'),
    project: columns('Sample_Project'),
    index: columns('index'),
    index2: columns('index2'),
    overrideCycles: columns('OverrideCycles'),
    cloudProjects,
  });
  problems.unshift(...overrideProblems);
  if (samples.length === 0) {
    if (problems.length === 0)
      problems.push({ message: `[${dataName}] lists no samples`, expected: 'at least one sample row', found: 'none' });
    return { problems };
  }
  return {
    sheet: { format: v2 ? 'v2' : 'v1', samples, ...(reads ? { reads } : {}), settings, hasLaneColumn: laneColumn >= 0 },
    problems,
  };
}

/** CASAVA 1.8 / bcl2fastq 1.8: one table, `FCID,Lane,SampleID,SampleRef,Index,Description,Control,Recipe,Operator,SampleProject`. */
function checkCasavaSheet(rows: Row[]): SampleSheetCheck {
  const [headerRow, ...dataRows] = rows as [Row, ...Row[]];
  const columns = columnsOf(headerRow);
  const { samples, problems } = foldSamples(dataRows, {
    id: columns('SampleID'),
    lane: columns('Lane'),
    name: -1,
    project: columns('SampleProject'),
    index: columns('Index'),
    index2: -1,
    overrideCycles: -1,
    cloudProjects: new Map(),
  });
  if (samples.length === 0) {
    if (problems.length === 0)
      problems.push({ message: 'the CASAVA sheet lists no samples', expected: 'at least one sample row', found: 'none' });
    return { problems };
  }
  return { sheet: { format: 'casava', samples, settings: {}, hasLaneColumn: true }, problems };
}

interface DataColumns {
  id: number;
  lane: number;
  name: number;
  project: number;
  index: number;
  index2: number;
  overrideCycles: number;
  cloudProjects: Map<string, string>;
}

/** Folds data rows into samples by Sample_ID, reporting each bad row with its line. */
function foldSamples(rows: Row[], columns: DataColumns): { samples: SheetSample[]; problems: SampleSheetProblem[] } {
  const problems: SampleSheetProblem[] = [];
  const samples = new Map<string, SheetSample & { allLanes: boolean }>();
  const seenRows = new Map<string, number>();
  const cell = (row: Row, column: number) => (column >= 0 ? (row.cells[column] ?? '').trim() : '');
  for (const row of rows) {
    const sampleId = cell(row, columns.id);
    if (!sampleId) {
      problems.push({ line: row.line, message: 'empty Sample_ID', expected: 'a Sample_ID', found: 'an empty cell' });
      continue;
    }
    if (!SAFE_SAMPLE_ID.test(sampleId)) {
      problems.push({
        line: row.line,
        message: `Sample_ID ${JSON.stringify(sampleId)} may only contain letters, digits, '-' and '_'`,
        expected: "letters, digits, '-' and '_'",
        found: JSON.stringify(sampleId),
      });
      continue;
    }
    const laneText = cell(row, columns.lane);
    const lane = laneText ? Number(laneText) : undefined;
    if (lane !== undefined && (!Number.isInteger(lane) || lane < 1 || lane > 8)) {
      problems.push({
        line: row.line,
        message: `Lane ${JSON.stringify(laneText)} is not a lane number 1-8`,
        expected: 'a lane number 1-8',
        found: JSON.stringify(laneText),
      });
      continue;
    }
    const index = [cell(row, columns.index), cell(row, columns.index2)].filter(Boolean).join('-');
    // One sample may span several index rows (10x: four oligos) and lanes; the same row twice is a mistake.
    const rowKey = `${lane ?? '*'}\u0000${sampleId}\u0000${index}`;
    const firstLine = seenRows.get(rowKey);
    if (firstLine !== undefined) {
      const what = `(Lane ${lane ?? 'any'}, Sample_ID ${sampleId})`;
      const sameIndex = index ? `, same index ${index}` : '';
      problems.push({
        line: row.line,
        message: `duplicate ${what}${sameIndex}, first on line ${firstLine}`,
        expected: index ? 'each (Lane, Sample_ID) once per index' : 'each (Lane, Sample_ID) once',
        found: `${what} again (first on line ${firstLine})${sameIndex}`,
      });
      continue;
    }
    seenRows.set(rowKey, row.line);
    const sampleName = cell(row, columns.name) || undefined;
    const project = cell(row, columns.project) || columns.cloudProjects.get(sampleId) || undefined;
    const overrideCycles = cell(row, columns.overrideCycles) || undefined;
    if (overrideCycles && !parseOverrideCycles(overrideCycles)) {
      problems.push(overrideCyclesProblem(overrideCycles, row.line));
      continue;
    }
    const known = samples.get(sampleId);
    if (!known) {
      samples.set(sampleId, {
        sampleId,
        ...(sampleName ? { sampleName } : {}),
        ...(project ? { project } : {}),
        sampleNumber: samples.size + 1,
        indexes: index ? [index] : [],
        ...(overrideCycles ? { overrideCycles } : {}),
        line: row.line,
        lanes: lane === undefined ? [] : [lane],
        allLanes: lane === undefined,
      });
      continue;
    }
    const conflict = (
      [
        ['Sample_Name', known.sampleName, sampleName],
        ['Sample_Project', known.project, project],
        ['OverrideCycles', known.overrideCycles, overrideCycles],
      ] as const
    ).find(([, before, now]) => (before ?? '') !== (now ?? ''));
    if (conflict) {
      const [column, before, now] = conflict;
      problems.push({
        line: row.line,
        message: `Sample_ID ${sampleId} has ${column} ${JSON.stringify(now ?? '')} here but ${JSON.stringify(before ?? '')} on line ${known.line}`,
        expected: `one ${column} per Sample_ID`,
        found: `${JSON.stringify(before ?? '')} and ${JSON.stringify(now ?? '')}`,
      });
      continue;
    }
    if (index && !known.indexes.includes(index)) known.indexes.push(index);
    if (lane === undefined) known.allLanes = true;
    else if (!known.lanes!.includes(lane)) known.lanes!.push(lane);
  }
  return {
    samples: [...samples.values()].map(({ allLanes, lanes, ...sample }) => ({
      ...sample,
      ...(allLanes ? {} : { lanes: [...lanes!].sort((a, b) => a - b) }),
    })),
    problems,
  };
}

function overrideCyclesProblem(value: string, line: number | undefined): SampleSheetProblem {
  return {
    ...(line ? { line } : {}),
    message: `OverrideCycles ${JSON.stringify(value)} is not a list of reads such as Y151;I8U8;I8;Y151`,
    expected: 'one entry per read, separated by ";", each made of Y, I, U or N with a cycle count',
    found: JSON.stringify(value),
  };
}

/** `[Reads]`: v2 key-value lines (`Read1Cycles,151`), or v1 bare numbers (one per data read). */
function readsOf(rows: Row[] | undefined): SheetReads | undefined {
  if (!rows) return undefined;
  const reads: SheetReads = {};
  const numbers: number[] = [];
  for (const row of rows) {
    const [key = '', value] = row.cells;
    const keyed = /^(read|index)([12])cycles$/i.exec(key);
    if (keyed && value !== undefined && /^\d+$/.test(value)) {
      const field = `${keyed[1]!.toLowerCase()}${keyed[2]}Cycles` as keyof SheetReads;
      reads[field] = Number(value);
    } else if (/^\d+$/.test(key)) numbers.push(Number(key));
  }
  if (numbers[0] !== undefined) reads.read1Cycles ??= numbers[0];
  if (numbers[1] !== undefined) reads.read2Cycles ??= numbers[1];
  return reads;
}

function settingsOf(rows: Row[]): SheetSettings {
  const values = keyValues(rows);
  // OverrideCycles written with commas between reads spreads over several CSV cells: join them back.
  const overrideRow = rows.find((row) => /^overridecycles$/i.test(row.cells[0] ?? ''));
  if (overrideRow && overrideRow.cells.length > 2) values.set('overridecycles', overrideRow.cells.slice(1).join(';'));
  const truthy = (value: string | undefined) => (value === undefined ? undefined : /^(1|true|yes)$/i.test(value));
  const settings: SheetSettings = {};
  const overrideCycles = values.get('overridecycles');
  if (overrideCycles) settings.overrideCycles = overrideCycles;
  const indexFastqs = truthy(values.get('createfastqforindexreads'));
  if (indexFastqs !== undefined) settings.createFastqForIndexReads = indexFastqs;
  const noLaneSplitting = truthy(values.get('nolanesplitting'));
  if (noLaneSplitting !== undefined) settings.noLaneSplitting = noLaneSplitting;
  return settings;
}

function projectsFromCloudData(rows: Row[]): Map<string, string> {
  const projects = new Map<string, string>();
  const [header, ...rest] = rows;
  if (!header) return projects;
  const columns = columnsOf(header);
  const id = columns('Sample_ID');
  const project = columns('ProjectName');
  if (id < 0 || project < 0) return projects;
  for (const row of rest) {
    const sampleId = row.cells[id];
    const name = row.cells[project];
    if (sampleId && name) projects.set(sampleId, name);
  }
  return projects;
}

function keyValues(rows: Row[]): Map<string, string> {
  return new Map(rows.filter((row) => row.cells[0]).map((row) => [row.cells[0]!.toLowerCase(), row.cells[1] ?? '']));
}

function columnsOf(header: Row): (name: string) => number {
  const lower = header.cells.map((cell) => cell.toLowerCase());
  return (name) => lower.indexOf(name.toLowerCase());
}

function hasColumns(row: Row, names: string[]): boolean {
  const lower = new Set(row.cells.map((cell) => cell.toLowerCase()));
  return names.every((name) => lower.has(name.toLowerCase()));
}

function isSectionHeader(row: Row): string | undefined {
  return /^\[(.+)\]$/.exec(row.cells[0] ?? '')?.[1]?.trim();
}

/**
 * Splits one CSV line: double-quoted cells may hold commas (`""` is a quote), cells are trimmed and
 * trailing empty cells dropped (spreadsheets pad every row to the widest one).
 */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/**
 * Sheets are UTF-8 (a BOM is fine). UTF-16 — what some Windows editors save as "Unicode" — is named, so
 * the user knows what to change, instead of being reported as a sheet without sections.
 */
function decodeSheet(input: Buffer | string): { text: string } | { problem: SampleSheetProblem } {
  const utf16 = (which: string, evidence: string) => ({
    problem: {
      message: `the sheet is encoded as ${which} (${evidence}); Landfall reads sample sheets as UTF-8: save it as "CSV UTF-8" or plain CSV and upload it again`,
      expected: 'UTF-8 (with or without a byte-order mark) or ASCII text',
      found: which,
    },
  });
  if (typeof input !== 'string') {
    if (input[0] === 0xff && input[1] === 0xfe) return utf16('UTF-16LE', 'byte-order mark FF FE');
    if (input[0] === 0xfe && input[1] === 0xff) return utf16('UTF-16BE', 'byte-order mark FE FF');
    const sample = input.subarray(0, 512);
    const zeros = (parity: number) => sample.filter((byte, index) => index % 2 === parity && byte === 0).length;
    if (sample.length >= 4 && zeros(1) > sample.length / 4) return utf16('UTF-16LE', 'every other byte is 0');
    if (sample.length >= 4 && zeros(0) > sample.length / 4) return utf16('UTF-16BE', 'every other byte is 0');
    return { text: input.toString('utf8').replace(/^\uFEFF/, '') };
  }
  // Text a caller already decoded as UTF-8: a UTF-16 file shows as U+FFFD U+FFFD then NUL-padded characters.
  const head = input.slice(0, 512);
  if (head.startsWith('\uFFFD\uFFFD') || head.split('\u0000').length - 1 > head.length / 4)
    return utf16('UTF-16', 'NUL bytes between the characters');
  return { text: input.replace(/^\uFEFF/, '') };
}
