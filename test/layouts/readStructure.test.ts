import { describe, expect, it } from 'vitest';
import { RunInfoError } from '../../layouts/errors.ts';
import { parseOverrideCycles } from '../../layouts/overrideCycles.ts';
import { resolveReadStructure } from '../../layouts/readStructure.ts';
import { parseRunInfo } from '../../layouts/runInfo.ts';
import type { ReadLabel } from '../../layouts/types.ts';

// RunInfo.xml as a NextSeq 500 writes it (run 191113_NB551452_0101_AHW7JJAFXY: dual index, 4 lanes).
const NEXTSEQ_RUNINFO = `<?xml version="1.0"?>
<RunInfo xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Version="4">
  <Run Id="191113_NB551452_0101_AHW7JJAFXY" Number="101">
    <Flowcell>HW7JJAFXY</Flowcell>
    <Instrument>NB551452</Instrument>
    <Date>191113</Date>
    <Reads>
      <Read Number="1" NumCycles="71" IsIndexedRead="N" />
      <Read Number="2" NumCycles="17" IsIndexedRead="Y" />
      <Read Number="3" NumCycles="8" IsIndexedRead="Y" />
      <Read Number="4" NumCycles="71" IsIndexedRead="N" />
    </Reads>
    <FlowcellLayout LaneCount="4" SurfaceCount="2" SwathCount="1" TileCount="12" SectionPerLane="3" LanePerSection="2">
      <TileSet TileNamingConvention="FiveDigit"><Tiles><Tile>1_11101</Tile></Tiles></TileSet>
    </FlowcellLayout>
  </Run>
</RunInfo>`;

// RunInfo.xml as a MiSeq i100 writes it: attributes in another order, IsReverseComplement, one lane, single read + index.
const MISEQ_RUNINFO = `<?xml version="1.0"?>
<RunInfo Version="2">
  <Run Number="5" Id="20260312_SH01140_0005_ASC2177698-SC3">
    <Flowcell>ASC2177698-SC3</Flowcell>
    <Reads>
      <Read NumCycles="301" Number="1" IsIndexedRead="N" IsReverseComplement="N"/>
      <Read IsIndexedRead="Y" Number="2" NumCycles="10" IsReverseComplement="N"/>
    </Reads>
    <FlowcellLayout LaneCount="1" SurfaceCount="1" SwathCount="9" TileCount="2"/>
  </Run>
</RunInfo>`;

describe('parseRunInfo', () => {
  it.each([
    {
      case: 'NextSeq 500 RunInfo.xml: 4 reads in sequencing order, LaneCount 4',
      xml: NEXTSEQ_RUNINFO,
      expected: {
        runId: '191113_NB551452_0101_AHW7JJAFXY',
        flowcell: 'HW7JJAFXY',
        instrument: 'NB551452',
        laneCount: 4,
        reads: [
          { number: 1, cycles: 71, isIndexedRead: false },
          { number: 2, cycles: 17, isIndexedRead: true },
          { number: 3, cycles: 8, isIndexedRead: true },
          { number: 4, cycles: 71, isIndexedRead: false },
        ],
      },
    },
    {
      case: 'MiSeq i100 RunInfo.xml: attributes in any order, LaneCount 1',
      xml: MISEQ_RUNINFO,
      expected: {
        runId: '20260312_SH01140_0005_ASC2177698-SC3',
        flowcell: 'ASC2177698-SC3',
        laneCount: 1,
        reads: [
          { number: 1, cycles: 301, isIndexedRead: false },
          { number: 2, cycles: 10, isIndexedRead: true },
        ],
      },
    },
  ])('reads $case', ({ xml, expected }) => {
    expect(parseRunInfo(xml)).toEqual(expected);
  });

  it.each([
    { case: 'no <Reads>', xml: '<RunInfo><Run/></RunInfo>', message: 'RunInfo.xml: no <Reads> element' },
    { case: 'an empty <Reads>', xml: '<RunInfo><Reads></Reads></RunInfo>', message: 'RunInfo.xml: <Reads> lists no <Read>' },
    {
      case: 'a <Read> without IsIndexedRead',
      xml: '<Reads><Read Number="1" NumCycles="151"/></Reads>',
      message: 'a <Read> without Number',
    },
  ])('refuses $case', ({ xml, message }) => {
    expect(() => parseRunInfo(xml)).toThrow(RunInfoError);
    expect(() => parseRunInfo(xml)).toThrow(message);
  });
});

describe('parseOverrideCycles', () => {
  it.each([
    {
      case: 'plain paired dual index (BCL Convert guide, "Sample Sheet" OverrideCycles)',
      text: 'Y151;I10;I10;Y151',
      kinds: ['data', 'index', 'index', 'data'],
    },
    {
      case: 'UMI in the i7 read (Illumina KB 5671: Y150;U8I8;I8;Y150)',
      text: 'Y150;U8I8;I8;Y150',
      kinds: ['data', 'index', 'index', 'data'],
    },
    { case: 'masked tail (10x KB: Y28N122;I10;I10;Y90N60)', text: 'Y28N122;I10;I10;Y90N60', kinds: ['data', 'index', 'index', 'data'] },
    { case: 'a UMI-only read', text: 'Y151;I8;U9;Y151', kinds: ['data', 'index', 'umi', 'data'] },
    { case: 'a skipped read', text: 'Y151;I8;N8;Y151', kinds: ['data', 'index', 'skip', 'data'] },
    { case: "bcl2fastq's --use-bases-mask with commas", text: 'y151,i8,y9,y151', kinds: ['data', 'index', 'data', 'data'] },
  ])('reads $case', ({ text, kinds }) => {
    expect(parseOverrideCycles(text)?.map((read) => read.kind)).toEqual(kinds);
  });

  it('counts cycles per read and refuses what is not an OverrideCycles string', () => {
    expect(parseOverrideCycles('Y28N122;I10')?.map((read) => read.cycles)).toEqual([150, 10]);
    expect(parseOverrideCycles('151+8')).toBeUndefined();
  });
});

const labels = (...names: ReadLabel[]) => new Set<ReadLabel>(names);
const summary = (structure: ReturnType<typeof resolveReadStructure>) =>
  structure.reads.map((read) => `${read.label}:${read.role}${read.optional ? '?' : ''}`);

describe('resolveReadStructure', () => {
  it.each([
    {
      case: 'RunInfo.xml paired dual index, no index FASTQs written (bcl2fastq default)',
      input: { runInfo: parseRunInfo(NEXTSEQ_RUNINFO), labelsSeen: labels('R1', 'R2') },
      source: 'RunInfo.xml',
      reads: ['R1:mate1', 'R2:mate2', 'I1:index1?', 'I2:index2?'],
    },
    {
      case: 'RunInfo.xml paired with --create-fastq-for-index-reads (I1, I2 files present): every sample is expected to have them',
      input: { runInfo: parseRunInfo(NEXTSEQ_RUNINFO), labelsSeen: labels('R1', 'R2', 'I1', 'I2') },
      source: 'RunInfo.xml',
      reads: ['R1:mate1', 'R2:mate2', 'I1:index1', 'I2:index2'],
    },
    {
      case: 'RunInfo.xml single read (MiSeq single-read run)',
      input: { runInfo: parseRunInfo(MISEQ_RUNINFO), labelsSeen: labels('R1') },
      source: 'RunInfo.xml',
      reads: ['R1:single', 'I1:index1?'],
    },
    {
      case: 'RunInfo.xml refined by OverrideCycles: UMI read between the mates (bcl2fastq writes it as R2, mate 2 as R3)',
      input: {
        runInfo: parseRunInfo(
          '<Reads><Read Number="1" NumCycles="151" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="9" IsIndexedRead="N"/><Read Number="4" NumCycles="151" IsIndexedRead="N"/></Reads>',
        ),
        overrideCycles: 'Y151;I8;U9;Y151',
        labelsSeen: labels('R1', 'R2', 'R3'),
      },
      source: 'RunInfo.xml',
      reads: ['R1:mate1', 'R2:umi', 'R3:mate2', 'I1:index1?'],
    },
    {
      case: 'RunInfo.xml with a middle data read (10x barcode read: R1 mate1, R2 umi, R3 mate2, I1)',
      input: {
        runInfo: parseRunInfo(
          '<Reads><Read Number="1" NumCycles="50" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="16" IsIndexedRead="N"/><Read Number="4" NumCycles="50" IsIndexedRead="N"/></Reads>',
        ),
        labelsSeen: labels('R1', 'R2', 'R3', 'I1'),
      },
      source: 'RunInfo.xml',
      reads: ['R1:mate1', 'R2:umi', 'R3:mate2', 'I1:index1'],
    },
    {
      case: 'RunInfo.xml says 2 data reads but the files carry R3 (--use-bases-mask Y151,I8,Y8,Y151): the files win',
      input: { runInfo: parseRunInfo(NEXTSEQ_RUNINFO), labelsSeen: labels('R1', 'R2', 'R3', 'I1') },
      source: 'files present',
      reads: ['R1:mate1', 'R2:umi', 'R3:mate2', 'I1:index1'],
    },
    {
      case: 'sheet OverrideCycles without RunInfo (BCL Convert guide, "Sample Sheet")',
      input: { overrideCycles: 'Y151;I8U8;I8;Y151', labelsSeen: labels('R1') },
      source: 'OverrideCycles',
      reads: ['R1:mate1', 'R2:mate2', 'I1:index1?', 'I2:index2?'],
    },
    {
      case: 'sheet [Reads] v2 keys, CreateFastqForIndexReads,1 (BCL Convert guide, "Sample Sheet")',
      input: {
        sheetReads: { read1Cycles: 151, read2Cycles: 151, index1Cycles: 10, index2Cycles: 10 },
        createFastqForIndexReads: true,
        labelsSeen: labels('R1'),
      },
      source: 'sample sheet [Reads]',
      reads: ['R1:mate1', 'R2:mate2', 'I1:index1', 'I2:index2'],
    },
    {
      case: 'sheet [Reads] v1 (it never lists index reads) with I1 files present',
      input: { sheetReads: { read1Cycles: 151, read2Cycles: 151 }, labelsSeen: labels('R1', 'R2', 'I1') },
      source: 'sample sheet [Reads]',
      reads: ['R1:mate1', 'R2:mate2', 'I1:index1'],
    },
    {
      case: 'sheet [Reads] v1, one line (single read)',
      input: { sheetReads: { read1Cycles: 151 }, labelsSeen: labels('R1') },
      source: 'sample sheet [Reads]',
      reads: ['R1:single'],
    },
    {
      case: 'no RunInfo, no [Reads]: R1 and R2 files present',
      input: { labelsSeen: labels('R1', 'R2') },
      source: 'files present',
      reads: ['R1:mate1', 'R2:mate2'],
    },
    {
      case: 'no RunInfo, no [Reads]: R1 files only',
      input: { labelsSeen: labels('R1') },
      source: 'files present',
      reads: ['R1:single'],
    },
    {
      case: 'no RunInfo, no [Reads]: R1, R2, R3 and I1 (bcl2fastq with a UMI read, fastp issue #23)',
      input: { labelsSeen: labels('R1', 'R2', 'R3', 'I1') },
      source: 'files present',
      reads: ['R1:mate1', 'R2:umi', 'R3:mate2', 'I1:index1'],
    },
  ])('decides $case', ({ input, source, reads }) => {
    // Act
    const structure = resolveReadStructure(input);
    // Assess
    expect(structure.source).toBe(source);
    expect(summary(structure)).toEqual(reads);
  });

  it('keeps the cycles each read has, so a short UMI read is told from a mate', () => {
    // Act
    const structure = resolveReadStructure({ runInfo: parseRunInfo(NEXTSEQ_RUNINFO), labelsSeen: labels('R1', 'R2') });
    // Assess
    expect(structure.reads.map((read) => read.cycles)).toEqual([71, 71, 17, 8]);
  });
});
