/**
 * Run documents as instruments wrote them, not as Landfall's generator writes them: the RunInfo.xml and the
 * SampleSheet.csv of a NovaSeq 6000 run (200624_A00834_0183_BHMTFYDRXX, an Illumina COVIDSeq sheet: its own
 * columns, every sample in lane 1 of a two-lane flow cell, one 36-cycle read and two index reads) and the
 * RunInfo.xml of a MiSeq run (220422_M11111_0222_000000000-K9H97), as published in nf-core/test-datasets
 * (testdata/NovaSeq6000, testdata/MiSeq; MIT licence), tabs, namespaces and all. The FASTQ names are what
 * bcl2fastq2 v2.20 writes for that sheet without --create-fastq-for-index-reads ("FASTQ Files Directory" of its
 * guide): `<Sample_ID>_S<n>_L001_R1_001.fastq.gz` by sheet order, Undetermined_S0_* for every lane.
 */
import { describe, expect, it } from 'vitest';
import { parseRunInfo } from '../../layouts/runInfo.ts';
import { orderedFiles, resolveRunLayout } from '../../layouts/runLayout.ts';
import { parseSampleSheet } from '../../layouts/sampleSheet.ts';

const NOVASEQ_RUN_INFO = `<?xml version="1.0" encoding="utf-8"?>
<RunInfo Version="5">
\t<Run Id="200624_A00834_0183_BHMTFYDRXX" Number="183">
\t\t<Flowcell>HMTFYDRXX</Flowcell>
\t\t<Instrument>A00834</Instrument>
\t\t<Date>6/24/2020 4:30:24 PM</Date>
\t\t<Reads>
\t\t\t<Read Number="1" NumCycles="36" IsIndexedRead="N"/>
\t\t\t<Read Number="2" NumCycles="10" IsIndexedRead="Y"/>
\t\t\t<Read Number="3" NumCycles="10" IsIndexedRead="Y"/>
\t\t</Reads>
\t\t<FlowcellLayout LaneCount="2" SurfaceCount="2" SwathCount="2" TileCount="78" FlowcellSide="2">
\t\t\t<TileSet TileNamingConvention="FourDigit">
\t\t\t\t<Tiles>
\t\t\t\t\t<Tile>1_2101</Tile>
\t\t\t\t</Tiles>
\t\t\t</TileSet>
\t\t</FlowcellLayout>
\t\t<AlignToPhiX/>
\t\t<ImageDimensions Width="3200" Height="3607"/>
\t\t<ImageChannels>
\t\t\t<Name>RED</Name>
\t\t\t<Name>GREEN</Name>
\t\t</ImageChannels>
\t</Run>
</RunInfo>
`;

const NOVASEQ_SHEET = `[Header]
Date,6/24/2020
Application,Illumina DRAGEN COVIDSeq Test Pipeline
Instrument Type,NovaSeq6000
Assay,Illumina COVIDSeq Test
Index Adapters,IDT-ILMN DNA-RNA UDP Indexes
Chemistry,Amplicon

[Settings]
AdapterRead1,CTGTCTCTTATACACATCT

[Data]
Lane,Sample_ID,Sample_Type,Index_ID,Index,Index2
1,Sample1,PatientSample,UDP0001,GAACTGAGCG,TCGTGGAGCG
1,SampleA,PatientSample,UDP0002,AGGTCAGATA,CTACAAGATA
1,Sample23,PatientSample,UDP0003,CGTCTCATAT,TATAGTAGCT
1,sampletest,PatientSample,UDP0004,ATTCCATAAG,TGCCTGGTGG
`;

const MISEQ_RUN_INFO = `<?xml version="1.0"?>
<RunInfo xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Version="2">
  <Run Id="220422_M11111_0222_000000000-K9H97" Number="222">
    <Flowcell>000000000-K9H97</Flowcell>
    <Instrument>M11111</Instrument>
    <Date>220422</Date>
    <Reads>
      <Read Number="1" NumCycles="110" IsIndexedRead="N" />
    </Reads>
    <FlowcellLayout LaneCount="1" SurfaceCount="2" SwathCount="1" TileCount="19" />
  </Run>
</RunInfo>
`;

const BASECALLS = 'Data/Intensities/BaseCalls';
/** What bcl2fastq writes for the NovaSeq sheet, by sheet order, and beside it. */
const NOVASEQ_FILES = [
  'RunInfo.xml',
  'SampleSheet.csv',
  'CopyComplete.txt',
  'RTAComplete.txt',
  ...['Sample1_S1', 'SampleA_S2', 'Sample23_S3', 'sampletest_S4'].map((name) => `${BASECALLS}/${name}_L001_R1_001.fastq.gz`),
  `${BASECALLS}/Undetermined_S0_L001_R1_001.fastq.gz`,
  `${BASECALLS}/Undetermined_S0_L002_R1_001.fastq.gz`,
  `${BASECALLS}/Reports/html/index.html`,
  `${BASECALLS}/Stats/Stats.json`,
];

describe('run documents as instruments wrote them', () => {
  it('reads the NovaSeq 6000 and MiSeq RunInfo.xml: flow cell, lanes, reads and which are index reads', () => {
    expect(parseRunInfo(NOVASEQ_RUN_INFO)).toEqual({
      runId: '200624_A00834_0183_BHMTFYDRXX',
      flowcell: 'HMTFYDRXX',
      instrument: 'A00834',
      laneCount: 2,
      reads: [
        { number: 1, cycles: 36, isIndexedRead: false },
        { number: 2, cycles: 10, isIndexedRead: true },
        { number: 3, cycles: 10, isIndexedRead: true },
      ],
    });
    expect(parseRunInfo(MISEQ_RUN_INFO)).toMatchObject({ laneCount: 1, reads: [{ number: 1, cycles: 110, isIndexedRead: false }] });
  });

  it('expects each COVIDSeq sample in lane 1 only, single-end, and calls the run complete with what bcl2fastq wrote', () => {
    // Act
    const layout = resolveRunLayout({
      profile: 'illumina',
      files: NOVASEQ_FILES,
      sheet: parseSampleSheet(NOVASEQ_SHEET),
      runInfo: parseRunInfo(NOVASEQ_RUN_INFO),
    });
    // Assess: lane 2 of the two-lane flow cell has no sample (the sheet's Lane column), so nothing waits for it
    const expected = layout.samples.flatMap((sample) =>
      orderedFiles(sample).map(
        (file) => `${sample.sampleId} L${file.lane} ${file.label}:${file.role} ${file.landed ? 'landed' : 'MISSING'}`,
      ),
    );
    expect(expected).toEqual([
      'Sample1 L1 R1:single landed',
      'SampleA L1 R1:single landed',
      'Sample23 L1 R1:single landed',
      'sampletest L1 R1:single landed',
    ]);
    expect(layout.unexpected).toEqual([]);
    expect(layout.problems).toEqual([]);
    // The sheet's own columns stay the sample's values (a pipeline reads them as {{param.Sample_Type}})
    expect(parseSampleSheet(NOVASEQ_SHEET).samples.map((sample) => sample.sampleId)).toEqual([
      'Sample1',
      'SampleA',
      'Sample23',
      'sampletest',
    ]);
  });

  it('keeps a sample whose FASTQ has not landed waiting, by name, while the others are complete', () => {
    // Act
    const layout = resolveRunLayout({
      profile: 'illumina',
      files: NOVASEQ_FILES.filter((name) => !name.includes('Sample23_S3')),
      sheet: parseSampleSheet(NOVASEQ_SHEET),
      runInfo: parseRunInfo(NOVASEQ_RUN_INFO),
    });
    // Assess
    const waiting = layout.samples.filter((sample) => sample.files.some((file) => !file.landed));
    expect(waiting.map((sample) => [sample.sampleId, sample.files.map((file) => file.name)])).toEqual([
      ['Sample23', ['Sample23_S3_L001_R1_001.fastq.gz']],
    ]);
  });
});
