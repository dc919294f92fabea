/** One `[BCLConvert_Data]` row: a sample on a lane with its dual index. */
export interface SampleSheetDataRow {
  lane: number;
  sampleId: string;
  index: string;
  index2: string;
}

/** One `[Cloud_Data]` row. */
export interface SampleSheetCloudRow {
  sampleId: string;
  projectName: string;
  libraryName: string;
}

/** The parts of an Illumina v2 sample sheet the demo generator fills in. */
export interface SampleSheetV2 {
  runName: string;
  /** @default 'NovaSeqXSeries' */
  instrumentPlatform?: string;
  /** @default 151 */
  read1Cycles?: number;
  /** @default 151 */
  read2Cycles?: number;
  data: SampleSheetDataRow[];
  cloud: SampleSheetCloudRow[];
}

/**
 * Render a v2 `SampleSheet.csv` the way instrument software saves it on Windows: UTF-8 BOM and
 * CRLF line endings, an empty line between sections. Parsers downstream must cope with both.
 *
 * @example
 * const text = renderSampleSheetV2({ runName: 'R1', data: [{ lane: 1, sampleId: 'S1', index: 'ACGTACGTAC', index2: 'TTGACCGTAA' }], cloud: [] });
 * text.startsWith('\uFEFF[Header]\r\n'); // true
 */
export function renderSampleSheetV2(sheet: SampleSheetV2): string {
  const index1Cycles = sheet.data[0]?.index.length ?? 10;
  const index2Cycles = sheet.data[0]?.index2.length ?? 10;
  const lines = [
    '[Header]',
    'FileFormatVersion,2',
    `RunName,${sheet.runName}`,
    `InstrumentPlatform,${sheet.instrumentPlatform ?? 'NovaSeqXSeries'}`,
    'IndexOrientation,Forward',
    '',
    '[Reads]',
    `Read1Cycles,${sheet.read1Cycles ?? 151}`,
    `Read2Cycles,${sheet.read2Cycles ?? 151}`,
    `Index1Cycles,${index1Cycles}`,
    `Index2Cycles,${index2Cycles}`,
    '',
    '[BCLConvert_Settings]',
    'SoftwareVersion,4.2.7',
    'FastqCompressionFormat,gzip',
    '',
    '[BCLConvert_Data]',
    'Lane,Sample_ID,Index,Index2',
    ...sheet.data.map((row) => `${row.lane},${row.sampleId},${row.index},${row.index2}`),
    '',
    '[Cloud_Data]',
    'Sample_ID,ProjectName,LibraryName',
    ...sheet.cloud.map((row) => `${row.sampleId},${row.projectName},${row.libraryName}`),
    '',
  ];
  return `\uFEFF${lines.join('\r\n')}`;
}
