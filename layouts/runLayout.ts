import { type FastqName, illuminaFastqName, isFastqName, parseFastqName } from './fastqNames.ts';
import { LONG_READ_SAMPLE_ID, type LongReadFile, parseMinknowPath, parsePacbioPath } from './longReads.ts';
import { resolveReadStructure } from './readStructure.ts';
import type { RunInfo } from './runInfo.ts';
import { analysisNumber, latestAnalysis, runFileKind } from './runFiles.ts';
import type { SampleSheet, SheetSample } from './sampleSheet.ts';
import {
  ALL_LANES,
  type ExpectedFile,
  type LayoutProblem,
  type LayoutProfile,
  type LayoutSample,
  READ_LABELS,
  type ReadLabel,
  type ReadStructure,
  type RunLayout,
  type RunLevelFile,
  type UnexpectedFile,
} from './types.ts';

/** Everything known about a run folder: its landed files and the documents read from them. */
export interface RunLayoutInput {
  profile: LayoutProfile;
  /** Every landed file, as a `/`-separated path inside the run folder. */
  files: readonly string[];
  /** The parsed sample sheet, when one landed. */
  sheet?: SampleSheet;
  /** The parsed RunInfo.xml, when it landed with the run. */
  runInfo?: RunInfo;
  /** Files a manifest promises: they make samples and expected files before they land. */
  promised?: readonly string[];
}

interface Candidate {
  path: string;
  base: string;
  landed: boolean;
  name: FastqName;
}

/** Ids Landfall accepts for samples named by their files (no sheet): one safe key segment (spaces and unicode are fine). */
function usableSampleId(id: string): boolean {
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\\')) return false;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code < 32 || code === 127) return false;
  }
  return true;
}

const nfc = (text: string) => text.normalize('NFC');
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * THE definition of which landed files make which sample: given a run folder's landed files (plus its
 * sample sheet, RunInfo.xml and profile), every sample with every file it should have — lane × read
 * label, with the read's role, and whether it landed —, the run-level files Landfall knows (sheet,
 * RunInfo, markers, manifests, Undetermined, InterOp/Reports/Stats, MinKNOW and PacBio reports), and the
 * files that fit nowhere. Used by `landfall validate`, the landing function and the sweep alike.
 *
 * Illumina-style runs follow bcl2fastq v2.20 and BCL Convert naming: a sample's FASTQs are found by
 * name (Sample_Name or Sample_ID, `S<n>`, lane, read) in any folder of the run (`<Project>/`,
 * `<Project>/<Sample_ID>/`, `Data/Intensities/BaseCalls/`, …); with a sheet without a Lane column a
 * sample is expected in every lane of the flow cell (RunInfo.xml LaneCount, else every lane the run's
 * files show); index reads are expected when the run wrote them. Without a sheet, samples come from
 * the names. `ont` runs make one sample per MinKNOW barcode folder of `fastq_pass/`; `pacbio` runs one
 * per HiFi FASTQ barcode or sample name; both single-end.
 *
 * @example
 * const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
 * layout.samples.filter((s) => s.files.every((f) => f.landed)).map((s) => s.sampleId);
 */
export function resolveRunLayout(input: RunLayoutInput): RunLayout {
  return input.profile === 'ont' || input.profile === 'pacbio' ? longReadLayout(input) : illuminaLayout(input);
}

function illuminaLayout(input: RunLayoutInput): RunLayout {
  const { profile, sheet, runInfo } = input;
  const runFiles: RunLevelFile[] = [];
  const unexpected: UnexpectedFile[] = [];
  const problems: LayoutProblem[] = [];
  const candidates: Candidate[] = [];
  const namedFastqs: FastqName[] = [];
  const paths = pathsOf(input);
  const allPaths = new Set(paths.map(({ path }) => path));
  for (const { path, landed } of paths) {
    const base = baseOf(path);
    const name = isFastqName(base) ? (numberedMate(path, allPaths) ?? parseFastqName(base)) : undefined;
    if (name) {
      // What the demultiplexer wrote (or a manifest promises) says which reads and lanes the run has.
      namedFastqs.push(name);
      if (name.undetermined || /(^|\/)Undetermined_indexes\//.test(path)) {
        if (landed) runFiles.push({ name: path, kind: 'undetermined' });
      } else candidates.push({ path, base, landed, name });
      continue;
    }
    if (!landed) continue;
    const kind = runFileKind(path, profile);
    if (kind) runFiles.push({ name: path, kind });
    else
      unexpected.push({
        name: path,
        reason: `${path} is neither a FASTQ of a sample nor a run file Landfall knows (${profile} profile); it is kept, not processed`,
      });
  }

  const labelsSeen = new Set(namedFastqs.map((name) => name.label));
  const lanesSeen = [
    ...new Set(namedFastqs.map((name) => name.lane).filter((lane): lane is number => lane !== undefined && lane !== ALL_LANES)),
  ];
  const illuminaNamed = namedFastqs.filter((name) => name.form === 'illumina');
  const merged =
    sheet?.settings.noLaneSplitting === true || (illuminaNamed.length > 0 && illuminaNamed.every((name) => name.lane === ALL_LANES));
  const runLanes = merged
    ? [ALL_LANES]
    : runInfo?.laneCount
      ? Array.from({ length: runInfo.laneCount }, (_, index) => index + 1)
      : lanesSeen.length > 0
        ? lanesSeen.sort((a, b) => a - b)
        : [1];
  const structureFor = (overrideCycles?: string): ReadStructure =>
    resolveReadStructure({
      ...(runInfo ? { runInfo } : {}),
      ...(overrideCycles ? { overrideCycles } : {}),
      ...(sheet?.reads ? { sheetReads: sheet.reads } : {}),
      ...(sheet?.settings.createFastqForIndexReads !== undefined
        ? { createFastqForIndexReads: sheet.settings.createFastqForIndexReads }
        : {}),
      labelsSeen,
    });
  const readStructure = structureFor(sheet?.settings.overrideCycles);

  // A requeued onboard analysis replaces the earlier ones whole, for the whole run: never one lane from each,
  // and never a sample of the earlier analysis left out of the requeue (its sheet was the one corrected) or
  // whose requeued FASTQs have not landed yet.
  const latest = latestAnalysis(candidates.map((file) => file.path));
  const superseded = (file: Candidate) => analysisNumber(file.path) >= 0 && analysisNumber(file.path) < latest;
  for (const file of candidates)
    if (file.landed && superseded(file))
      unexpected.push({
        name: file.path,
        reason: `${file.path} is from an earlier analysis than Analysis/${latest}/ (a requeued analysis replaces it whole); it is not processed`,
        superseded: true,
      });
  const current = candidates.filter((file) => !superseded(file));

  const samples: LayoutSample[] = [];
  const assign = sheet ? assignToSheet(sheet, current, unexpected) : assignByName(current, unexpected);
  for (const { sampleId, sheetSample, files } of assign) {
    const structure = sheetSample?.overrideCycles ? structureFor(sheetSample.overrideCycles) : readStructure;
    const ownLanes = sheetSample?.lanes && !merged ? sheetSample.lanes : runLanes;
    const landed = files.filter((file) => file.landed);
    const laneless = (file: Candidate) => file.name.lane === undefined || file.name.lane === ALL_LANES;
    const lanes = landed.length > 0 && landed.every(laneless) ? [ALL_LANES] : ownLanes;
    const stemOf = landed[0]?.name ?? files[0]?.name;
    const expectedName = (lane: number, label: ReadLabel, part: number) => {
      if (stemOf && (stemOf.form === 'generic' || stemOf.form === 'bare'))
        return swapLabel(baseOf((landed[0] ?? files[0])!.path), stemOf.label, label);
      if (stemOf?.form === 'casava')
        return `${stemOf.stem}_${stemOf.barcode}_L${String(lane).padStart(3, '0')}_${label}_${String(part).padStart(3, '0')}.fastq.gz`;
      const stem = stemOf?.stem ?? (sheet?.format === 'v2' ? sampleId : (sheetSample?.sampleName ?? sampleId));
      return illuminaFastqName(stem, sheetSample?.sampleNumber ?? stemOf?.sampleNumber ?? 1, lane, label, part);
    };
    const sampleFiles: ExpectedFile[] = [];
    const used = new Set<Candidate>();
    for (const lane of lanes) {
      for (const read of structure.reads) {
        const group = files
          .filter((file) => (lane === ALL_LANES ? laneless(file) : file.name.lane === lane) && file.name.label === read.label)
          .sort((a, b) => a.name.part - b.name.part || byPath(a, b));
        if (group.length === 0) {
          if (!read.optional)
            sampleFiles.push({ name: expectedName(lane, read.label, 1), label: read.label, role: read.role, lane, part: 1, landed: false });
          continue;
        }
        const lastPart = Math.max(...group.map((file) => file.name.part));
        for (let part = 1; part <= lastPart; part++) {
          const [file, ...twins] = group.filter((candidate) => candidate.name.part === part);
          if (!file) {
            sampleFiles.push({ name: expectedName(lane, read.label, part), label: read.label, role: read.role, lane, part, landed: false });
            continue;
          }
          used.add(file);
          sampleFiles.push({ name: file.path, label: read.label, role: read.role, lane, part, landed: file.landed });
          for (const twin of twins) {
            used.add(twin);
            problems.push({
              file: twin.path,
              message: `${twin.path} and ${file.path} are the same file of sample ${sampleId} (lane ${lane}, ${read.label}) in two folders`,
              expected: 'one file per sample, lane and read',
              found: `${file.path}, ${twin.path}`,
            });
            if (twin.landed)
              unexpected.push({
                name: twin.path,
                reason: `${twin.path} repeats ${file.path} (sample ${sampleId}, lane ${lane}, ${read.label}); it is not processed`,
              });
          }
        }
      }
    }
    for (const file of files) {
      if (used.has(file) || !file.landed) continue;
      const lane = file.name.lane === undefined || file.name.lane === ALL_LANES ? undefined : file.name.lane;
      const labels = structure.reads.map((read) => read.label);
      const reason = !labels.includes(file.name.label)
        ? `${file.path}: ${file.name.label} is not a read of this run (reads from ${structure.source}: ${labels.join(', ')}); it is kept, not processed`
        : lane === undefined
          ? `${file.path} holds every lane of sample ${sampleId}, but its other files are split by lane; it is kept, not processed`
          : `${file.path}: lane ${lane} is not a lane of sample ${sampleId} (${sheetSample?.lanes ? `the sheet lists lane(s) ${sheetSample.lanes.join(', ')}` : `lanes ${lanes.join(', ')}`}); it is kept, not processed`;
      unexpected.push({ name: file.path, reason });
    }
    samples.push({
      sampleId,
      ...(sheetSample?.project ? { project: sheetSample.project } : {}),
      ...((sheetSample?.sampleNumber ?? stemOf?.sampleNumber) !== undefined
        ? { sampleNumber: sheetSample?.sampleNumber ?? stemOf?.sampleNumber }
        : {}),
      readStructure: structure,
      files: sampleFiles,
    });
  }
  return {
    profile,
    readStructure,
    lanes: runLanes,
    samples,
    runFiles: runFiles.sort(byName),
    unexpected: unexpected.sort(byName),
    problems,
  };
}

// SRA / ENA pairs (fasterq-dump, ENA downloads, nf-core/fetchngs): <run>_1.fastq.gz and <run>_2.fastq.gz.
const NUMBERED_MATE = /^(.+)_([12])(\.f(?:ast)?q(?:\.gz)?)$/i;

/**
 * `<run>_1.fastq.gz` as mate 1 and `<run>_2.fastq.gz` as mate 2 of sample `<run>` when both are in the
 * same folder of the run: SRA and ENA write pairs so. Alone, such a name stays a single-end sample of
 * its own (`sample_1.fastq.gz` may be a replicate's name); paired by mistake, two samples' files would
 * fail the mates' read-name check and be rejected, never processed silently as one.
 */
function numberedMate(path: string, allPaths: ReadonlySet<string>): FastqName | undefined {
  const match = NUMBERED_MATE.exec(baseOf(path));
  if (!match) return undefined;
  const [, stem, number, extension] = match as unknown as [string, string, string, string];
  const folder = path.slice(0, path.length - baseOf(path).length);
  if (!allPaths.has(`${folder}${stem}_${number === '1' ? '2' : '1'}${extension}`)) return undefined;
  return { form: 'generic', stem, label: number === '1' ? 'R1' : 'R2', part: 1, undetermined: false };
}

/** A generic name's mate: the same name with its read label swapped (`S1.R1.fastq.gz` → `S1.R2.fastq.gz`, `SRR1_1.fastq.gz` → `SRR1_2.fastq.gz`). */
function swapLabel(base: string, from: ReadLabel, to: ReadLabel): string {
  if (from === to) return base;
  const numbered = NUMBERED_MATE.exec(base);
  if (numbered && /^R[12]$/.test(from) && /^R[12]$/.test(to)) return `${numbered[1]}_${to.slice(1)}${numbered[3]}`;
  const at = Math.max(base.lastIndexOf(`_${from}`), base.lastIndexOf(`.${from}`));
  return at < 0
    ? base.replace(/(\.f(?:ast)?q(?:\.gz)?)$/i, `_${to}$1`)
    : `${base.slice(0, at + 1)}${to}${base.slice(at + 1 + from.length)}`;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function pathsOf(input: RunLayoutInput): Array<{ path: string; landed: boolean }> {
  const landed = new Set(input.files.map(nfc));
  const promised = (input.promised ?? []).filter((path) => !landed.has(nfc(path)));
  return [...input.files.map((path) => ({ path, landed: true })), ...promised.map((path) => ({ path, landed: false }))];
}

interface Assignment {
  sampleId: string;
  sheetSample?: SheetSample;
  files: Candidate[];
}

/**
 * Matches FASTQs to the sheet's samples by name: bcl2fastq names a sample's files by Sample_Name when
 * set, BCL Convert by Sample_ID (Sample_Name with --sample-name-column-enabled), so both are accepted;
 * a name with the sample's own `S<n>` first, then a name only one sample can have.
 */
function assignToSheet(sheet: SampleSheet, candidates: Candidate[], unexpected: UnexpectedFile[]): Assignment[] {
  const assignments = sheet.samples.map((sheetSample) => ({ sampleId: sheetSample.sampleId, sheetSample, files: [] as Candidate[] }));
  const namesOf = (sample: SheetSample) => new Set([sample.sampleName, sample.sampleId].filter((name): name is string => !!name).map(nfc));
  const names = assignments.map((assignment) => namesOf(assignment.sheetSample));
  for (const candidate of candidates) {
    const stem = nfc(candidate.name.stem);
    const exact = assignments.findIndex(
      (assignment, index) => names[index]!.has(stem) && candidate.name.sampleNumber === assignment.sheetSample.sampleNumber,
    );
    const byStem = assignments.flatMap((_, index) => (names[index]!.has(stem) ? [index] : []));
    const chosen = exact >= 0 ? exact : byStem.length === 1 ? byStem[0]! : -1;
    if (chosen >= 0) {
      assignments[chosen]!.files.push(candidate);
      continue;
    }
    if (!candidate.landed) continue;
    unexpected.push({
      name: candidate.path,
      reason:
        byStem.length > 1
          ? `${candidate.path} could be any of samples ${byStem.map((index) => assignments[index]!.sampleId).join(', ')} (they share the name ${candidate.name.stem}); it is kept, not processed`
          : `${candidate.path} belongs to no sample of the sample sheet (no Sample_ID or Sample_Name ${JSON.stringify(candidate.name.stem)}); it is kept, not processed`,
    });
  }
  return assignments;
}

/** Without a sheet, the names say which samples exist: one per name stem. */
function assignByName(candidates: Candidate[], unexpected: UnexpectedFile[]): Assignment[] {
  const bySample = new Map<string, Candidate[]>();
  for (const candidate of [...candidates].sort(byPath)) {
    const sampleId = nfc(candidate.name.stem);
    if (!usableSampleId(sampleId)) {
      if (candidate.landed)
        unexpected.push({
          name: candidate.path,
          reason: `${candidate.path} names sample ${JSON.stringify(sampleId)}, which is not a usable sample id (no '/', '\\' or control characters, not '.' or '..'); it is kept, not processed`,
        });
      continue;
    }
    bySample.set(sampleId, [...(bySample.get(sampleId) ?? []), candidate]);
  }
  return [...bySample].map(([sampleId, files]) => ({ sampleId, files }));
}

const LONG_READS: ReadStructure = { reads: [{ label: 'R1', role: 'single' }], source: 'long reads' };

function longReadLayout(input: RunLayoutInput): RunLayout {
  const { profile } = input;
  const runFiles: RunLevelFile[] = [];
  const unexpected: UnexpectedFile[] = [];
  const bySample = new Map<string, Array<{ path: string; landed: boolean; file: LongReadFile }>>();
  for (const { path, landed } of pathsOf(input)) {
    const kind = runFileKind(path, profile);
    if (!isFastqName(baseOf(path)) || kind === 'failed-reads') {
      if (!landed) continue;
      if (kind) runFiles.push({ name: path, kind });
      else
        unexpected.push({ name: path, reason: `${path} is not a run file Landfall knows (${profile} profile); it is kept, not processed` });
      continue;
    }
    const file = profile === 'ont' ? parseMinknowPath(path) : parsePacbioPath(path);
    if (file?.unclassified) {
      if (landed) runFiles.push({ name: path, kind: 'unclassified' });
      continue;
    }
    if (!file?.sampleId || !LONG_READ_SAMPLE_ID.test(file.sampleId)) {
      if (landed)
        unexpected.push({
          name: path,
          reason:
            profile === 'ont'
              ? `${path} is not where MinKNOW writes passed reads (fastq_pass/<barcode>/ or fastq_pass/); it is kept, not processed`
              : `${path} does not name a PacBio sample (<movie>.hifi_reads.<barcode>.fastq.gz, <sample>.hifi_reads.fastq.gz, <sample>.fastq.gz); it is kept, not processed`,
        });
      continue;
    }
    bySample.set(file.sampleId, [...(bySample.get(file.sampleId) ?? []), { path, landed, file }]);
  }
  const samples: LayoutSample[] = [...bySample]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sampleId, files]) => ({
      sampleId,
      readStructure: LONG_READS,
      files: files
        .sort((a, b) => (a.file.batch ?? 0) - (b.file.batch ?? 0) || byPath(a, b))
        .map((entry, index) => ({ name: entry.path, label: 'R1', role: 'single', lane: 1, part: index + 1, landed: entry.landed })),
    }));
  return {
    profile,
    readStructure: LONG_READS,
    lanes: [1],
    samples,
    runFiles: runFiles.sort(byName),
    unexpected: unexpected.sort(byName),
    problems: [],
  };
}

/** The files of a sample in the order steps concatenate them: lane, then the read structure's label order, then part. */
export function orderedFiles(sample: LayoutSample): ExpectedFile[] {
  const labelRank = (label: ReadLabel) => READ_LABELS.indexOf(label);
  return [...sample.files].sort((a, b) => a.lane - b.lane || labelRank(a.label) - labelRank(b.label) || a.part - b.part);
}
