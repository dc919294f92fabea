import { SampleSheetError } from './errors.ts';

export interface SampleSheetSample {
  sampleId: string;
  /** 1-based `S<n>`: order of first appearance in the sheet, as bcl-convert numbers FASTQs. */
  sampleNumber: number;
  lanes: number[];
  project?: string;
}

export interface SampleSheet {
  version: 1 | 2;
  samples: SampleSheetSample[];
  /** Read names FASTQs carry: R1, plus R2 for paired runs. */
  reads: Array<'R1' | 'R2'>;
}

/** Splits a CSV line (no quoted commas in sample sheets) and drops trailing empty cells. */
function cells(line: string): string[] {
  const values = line.split(',').map((cell) => cell.trim());
  while (values.length > 0 && values[values.length - 1] === '') values.pop();
  return values;
}

/** One problem of a SampleSheet, with the line it is on (1-based) and expected vs found where it applies. */
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

/**
 * Parses an Illumina SampleSheet v1 (`[Data]`) or v2 (`[BCLConvert_Data]`, `[Reads]`), tolerating
 * a BOM, CRLF, trailing commas and blank lines.
 *
 * @throws SampleSheetError for the first problem {@link checkSampleSheet} finds
 * @example parseSampleSheet(fs.readFileSync('SampleSheet.csv', 'utf8')).samples.map((s) => s.sampleId)
 */
export function parseSampleSheet(text: string): SampleSheet {
  const { sheet, problems } = checkSampleSheet(text);
  const first = problems[0];
  if (first || !sheet) throw new SampleSheetError(first?.message ?? 'unreadable', first?.line);
  return sheet;
}

/**
 * Like {@link parseSampleSheet}, but collects every problem instead of throwing at the first: each
 * bad row (empty or unsafe Sample_ID, bad lane, duplicate (Lane, Sample_ID)) is reported with its line,
 * and the rows that are fine still make up `sheet`. Structural problems (no data section, no
 * Sample_ID column, no samples) leave `sheet` undefined.
 *
 * @example checkSampleSheet(text).problems.map((p) => `line ${p.line}: ${p.message}`)
 */
export function checkSampleSheet(text: string): SampleSheetCheck {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const sections = new Map<string, Array<{ line: number; cells: string[] }>>();
  let current: string | undefined;
  lines.forEach((raw, index) => {
    const row = cells(raw);
    if (row.length === 0) return;
    const header = /^\[(.+)\]$/.exec(row[0] ?? '');
    if (header) {
      current = header[1]!.trim();
      sections.set(current, []);
      return;
    }
    if (current) sections.get(current)!.push({ line: index + 1, cells: row });
  });

  const v2 = sections.has('BCLConvert_Data');
  const dataName = v2 ? 'BCLConvert_Data' : 'Data';
  const data = sections.get(dataName);
  if (!data)
    return {
      problems: [
        {
          message: 'no [BCLConvert_Data] (v2) or [Data] (v1) section',
          expected: 'a [BCLConvert_Data] (v2) or [Data] (v1) section',
          found: 'neither',
        },
      ],
    };
  if (data.length === 0)
    return {
      problems: [{ message: `[${dataName}] has no header row`, expected: 'a header row (Sample_ID, …)', found: 'an empty section' }],
    };
  const [headerRow, ...rows] = data as [{ line: number; cells: string[] }, ...Array<{ line: number; cells: string[] }>];
  const column = (name: string) => headerRow.cells.findIndex((cell) => cell.toLowerCase() === name.toLowerCase());
  const idColumn = column('Sample_ID');
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
  const laneColumn = column('Lane');
  const projectColumn = column('Sample_Project');

  const projects = new Map<string, string>();
  for (const row of (sections.get('Cloud_Data') ?? []).slice(1)) {
    const cloudHeader = sections.get('Cloud_Data')![0]!.cells;
    const id = row.cells[cloudHeader.indexOf('Sample_ID')];
    const project = row.cells[cloudHeader.indexOf('ProjectName')];
    if (id && project) projects.set(id, project);
  }

  const problems: SampleSheetProblem[] = [];
  const samples = new Map<string, SampleSheetSample>();
  const seen = new Map<string, number>();
  for (const row of rows) {
    const sampleId = row.cells[idColumn];
    if (!sampleId) {
      problems.push({ line: row.line, message: 'empty Sample_ID', expected: 'a Sample_ID', found: 'an empty cell' });
      continue;
    }
    if (!/^[A-Za-z0-9_-]+$/.test(sampleId)) {
      problems.push({
        line: row.line,
        message: `Sample_ID ${JSON.stringify(sampleId)} may only contain letters, digits, '-' and '_'`,
        expected: "letters, digits, '-' and '_'",
        found: JSON.stringify(sampleId),
      });
      continue;
    }
    const laneText = laneColumn >= 0 ? row.cells[laneColumn] : undefined;
    const lane = laneText ? Number(laneText) : 1;
    if (!Number.isInteger(lane) || lane < 1 || lane > 8) {
      problems.push({
        line: row.line,
        message: `Lane ${JSON.stringify(laneText)} is not a lane number 1-8`,
        expected: 'a lane number 1-8',
        found: JSON.stringify(laneText),
      });
      continue;
    }
    const pair = `${lane}/${sampleId}`;
    const firstLine = seen.get(pair);
    if (firstLine !== undefined) {
      problems.push({
        line: row.line,
        message: `duplicate (Lane ${lane}, Sample_ID ${sampleId}), first on line ${firstLine}`,
        expected: 'each (Lane, Sample_ID) once',
        found: `(Lane ${lane}, Sample_ID ${sampleId}) again (first on line ${firstLine})`,
      });
      continue;
    }
    seen.set(pair, row.line);
    const sample = samples.get(sampleId) ?? {
      sampleId,
      sampleNumber: samples.size + 1,
      lanes: [],
      project: (projectColumn >= 0 ? row.cells[projectColumn] : undefined) ?? projects.get(sampleId),
    };
    sample.lanes.push(lane);
    samples.set(sampleId, sample);
  }
  if (samples.size === 0) {
    if (problems.length === 0)
      problems.push({ message: `[${dataName}] lists no samples`, expected: 'at least one sample row', found: 'none' });
    return { problems };
  }

  const readsSection = sections.get('Reads') ?? [];
  const hasRead2 = v2
    ? readsSection.some((row) => row.cells[0] === 'Read2Cycles' && Number(row.cells[1]) > 0)
    : readsSection.filter((row) => /^\d+$/.test(row.cells[0] ?? '')).length >= 2;
  return { sheet: { version: v2 ? 2 : 1, samples: [...samples.values()], reads: hasRead2 ? ['R1', 'R2'] : ['R1'] }, problems };
}

/** bcl-convert's FASTQ name for a sample, lane and read. */
export function fastqName(sample: SampleSheetSample, lane: number, read: 'R1' | 'R2'): string {
  return `${sample.sampleId}_S${sample.sampleNumber}_L${String(lane).padStart(3, '0')}_${read}_001.fastq.gz`;
}
