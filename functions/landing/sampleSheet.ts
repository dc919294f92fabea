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

/**
 * Parses an Illumina SampleSheet v1 (`[Data]`) or v2 (`[BCLConvert_Data]`, `[Reads]`), tolerating
 * a BOM, CRLF, trailing commas and blank lines.
 *
 * @example parseSampleSheet(fs.readFileSync('SampleSheet.csv', 'utf8')).samples.map((s) => s.sampleId)
 */
export function parseSampleSheet(text: string): SampleSheet {
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
  if (!data) throw new SampleSheetError('no [BCLConvert_Data] (v2) or [Data] (v1) section');
  if (data.length === 0) throw new SampleSheetError(`[${dataName}] has no header row`);
  const [headerRow, ...rows] = data as [{ line: number; cells: string[] }, ...Array<{ line: number; cells: string[] }>];
  const column = (name: string) => headerRow.cells.findIndex((cell) => cell.toLowerCase() === name.toLowerCase());
  const idColumn = column('Sample_ID');
  if (idColumn < 0) throw new SampleSheetError(`[${dataName}] header has no Sample_ID column (found: ${headerRow.cells.join(', ')})`, headerRow.line);
  const laneColumn = column('Lane');
  const projectColumn = column('Sample_Project');

  const projects = new Map<string, string>();
  for (const row of (sections.get('Cloud_Data') ?? []).slice(1)) {
    const cloudHeader = sections.get('Cloud_Data')![0]!.cells;
    const id = row.cells[cloudHeader.findIndex((c) => c === 'Sample_ID')];
    const project = row.cells[cloudHeader.findIndex((c) => c === 'ProjectName')];
    if (id && project) projects.set(id, project);
  }

  const samples = new Map<string, SampleSheetSample>();
  const seen = new Set<string>();
  for (const row of rows) {
    const sampleId = row.cells[idColumn];
    if (!sampleId) throw new SampleSheetError('empty Sample_ID', row.line);
    if (!/^[A-Za-z0-9_-]+$/.test(sampleId)) throw new SampleSheetError(`Sample_ID ${JSON.stringify(sampleId)} may only contain letters, digits, '-' and '_'`, row.line);
    const laneText = laneColumn >= 0 ? row.cells[laneColumn] : undefined;
    const lane = laneText ? Number(laneText) : 1;
    if (!Number.isInteger(lane) || lane < 1 || lane > 8) throw new SampleSheetError(`Lane ${JSON.stringify(laneText)} is not a lane number 1-8`, row.line);
    const pair = `${lane}/${sampleId}`;
    if (seen.has(pair)) throw new SampleSheetError(`duplicate (Lane ${lane}, Sample_ID ${sampleId})`, row.line);
    seen.add(pair);
    const sample = samples.get(sampleId) ?? { sampleId, sampleNumber: samples.size + 1, lanes: [], project: (projectColumn >= 0 ? row.cells[projectColumn] : undefined) ?? projects.get(sampleId) };
    sample.lanes.push(lane);
    samples.set(sampleId, sample);
  }
  if (samples.size === 0) throw new SampleSheetError(`[${dataName}] lists no samples`);

  const readsSection = sections.get('Reads') ?? [];
  const hasRead2 = v2
    ? readsSection.some((row) => row.cells[0] === 'Read2Cycles' && Number(row.cells[1]) > 0)
    : readsSection.filter((row) => /^\d+$/.test(row.cells[0] ?? '')).length >= 2;
  return { version: v2 ? 2 : 1, samples: [...samples.values()], reads: hasRead2 ? ['R1', 'R2'] : ['R1'] };
}

/** bcl-convert's FASTQ name for a sample, lane and read. */
export function fastqName(sample: SampleSheetSample, lane: number, read: 'R1' | 'R2'): string {
  return `${sample.sampleId}_S${sample.sampleNumber}_L${String(lane).padStart(3, '0')}_${read}_001.fastq.gz`;
}
