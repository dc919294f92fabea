import { RTA_ONLY_MODELS, type InstrumentModel } from '../../config/schema.ts';
import { analysisNumber, latestAnalysis, readsNotAsFastq } from '../../layouts/runFiles.ts';
import { type RunLayoutInput, resolveRunLayout } from '../../layouts/runLayout.ts';
import {
  fastqsNotYetLanded,
  MINKNOW_FINAL_SUMMARY,
  type MinknowFinalSummary,
  minknowSummaryCovers,
  outputHashLanded,
  pacbioMovieOf,
} from '../../layouts/longReads.ts';
import type { RunInfo } from '../../layouts/runInfo.ts';
import type { SampleSheet } from '../../layouts/sampleSheet.ts';
import type { ExpectedFile, LayoutProblem, LayoutProfile, ReadStructure, RunLevelFile, UnexpectedFile } from '../../layouts/types.ts';
import type { LandedFile } from '../catalog/types.ts';
import type { RunManifest } from './runManifest.ts';
import type { z } from 'zod';
import { counted } from '../../contracts/words.ts';

export const COPY_COMPLETE = 'CopyComplete.txt';
/** BCL Convert's own word that every FASTQ of its output directory is written (`Logs/FastqComplete.txt`). */
const FASTQ_COMPLETE = /(^|\/)Logs\/FastqComplete\.txt$/;
/** What an Illumina run without a completion signal waits for: the instrument's copy, or BCL Convert's conversion. */
const ILLUMINA_SIGNAL = `${COPY_COMPLETE} or Logs/FastqComplete.txt`;
/** An onboard analysis (NovaSeq X) is done once its output is copied and the analysis says it finished. */
const ANALYSIS_DONE_FILES = [COPY_COMPLETE, 'Data/Secondary_Analysis_Complete.txt'];
export const SAMPLE_SHEET = 'SampleSheet.csv';
export const RUN_MARKER = 'transfer_complete.txt';
const RTA_COMPLETE = /^RTAComplete\.(txt|xml)$/;
const SAMPLE_MARKER = /^(.+)\.complete$/;
const PACBIO_TRANSFER_DONE = /(^|\/)[^/]+\.transferdone$/;

export type Profile = LayoutProfile;

/** A landed file of a sample, with the read label, role, lane and part the layout gives it. */
export type SampleFile = LandedFile & Omit<ExpectedFile, 'landed' | 'name'>;

export interface SampleCompleteness {
  sampleId: string;
  /** Every file the sample should have (layouts/), landed or not, in lane, label and part order. */
  expected: ExpectedFile[];
  missing: string[];
  files: SampleFile[];
  /** Every expected file landed AND the profile's completion signal was given for it. */
  ready: boolean;
}

export interface RunCompleteness {
  status: 'RECEIVING' | 'COMPLETE' | 'INCOMPLETE';
  /** What said "the instrument is done" (CopyComplete.txt, a marker, a manifest, the gateway barrier). */
  signal?: string;
  /** When nothing said so yet: what Landfall waits for, in words. */
  waitingFor?: string;
  samples: SampleCompleteness[];
  missing: string[];
  /** Landed files that belong to no sample and are no known run file: counted and reported, never processed. */
  unexpected: UnexpectedFile[];
  /** Known run-level files: sheet, RunInfo, markers, manifests, Undetermined, reports, instrument output. */
  runFiles: RunLevelFile[];
  problems: LayoutProblem[];
  readStructure?: ReadStructure;
}

export interface CompletenessInput {
  profile: Profile;
  instrumentModel?: z.infer<typeof InstrumentModel>;
  files: LandedFile[];
  sheet?: SampleSheet;
  runInfo?: RunInfo;
  manifest?: RunManifest;
  /** MinKNOW final summaries that landed, read (ONT): their FASTQ counts must all have landed. */
  finalSummaries?: Record<string, MinknowFinalSummary>;
  /** Completion time of a Storage Gateway working-set barrier (NotifyWhenUploaded) for this run's share. */
  barrierAt?: string;
  now: number;
  rtaSettleSeconds: number;
  /**
   * ONT: how long a final summary waits for its protocol run's output hash file (written with it, checked against
   * every FASTQ) before its samples are complete without one (old MinKNOW versions write none). 0 or absent: no wait.
   */
  ontHashWaitSeconds?: number;
  deadlineMinutes: number;
}

const landedAt = (file: LandedFile | undefined) => (file ? Date.parse(file.landedAt) : undefined);

/**
 * The newest onboard analysis's `CopyComplete.txt` and `Data/Secondary_Analysis_Complete.txt` when both landed
 * (NovaSeq X writes each analysis, and each requeue, into `Analysis/<n>/`); undefined otherwise.
 */
function analysisDoneFiles(files: readonly LandedFile[]): LandedFile[] | undefined {
  const newest = latestAnalysis(files.map((file) => file.name));
  if (newest < 0) return undefined;
  const folder = files
    .find((file) => analysisNumber(file.name) === newest)!
    .name.replace(/(^|\/)Analysis\/\d+\/.*$/, `$1Analysis/${newest}/`);
  const found = ANALYSIS_DONE_FILES.map((name) => files.find((file) => file.name === `${folder}${name}`));
  return found.every((file) => file !== undefined) ? found : undefined;
}

/** The first of these files to land (a run marker may be among them, or missing). */
const firstLanded = (files: ReadonlyArray<LandedFile | undefined>) =>
  files.filter((file) => file !== undefined).sort((a, b) => Date.parse(a.landedAt) - Date.parse(b.landedAt))[0];

/**
 * Decides which samples of a run are ready to validate, per profile (DOMAIN.md): never on a partial
 * upload — a sample is ready only when every file the layout expects of it (every lane and read,
 * layouts/resolveRunLayout) landed and the profile's completion signal was given — and with a deadline
 * after which a run still missing files is INCOMPLETE, never dropped. Every other landed file is either
 * a known run-level file or unexpected.
 */
export function evaluateCompleteness(input: CompletenessInput): RunCompleteness {
  const byName = new Map(input.files.map((file) => [file.name, file]));
  const empty = { samples: [], unexpected: [], runFiles: [], problems: [] };
  let signal: string | undefined;
  let signalAt: number | undefined;
  let waitingFor: string | undefined;
  const sampleSignals = new Set<string>();
  // Long-read profiles: whether the completion file of the file's own flow cell or SMRT Cell was given.
  let fileSignalled: ((name: string) => boolean) | undefined;
  const barrier = input.barrierAt ? Date.parse(input.barrierAt) : undefined;
  const lastLanded = Math.max(0, ...input.files.map((file) => Date.parse(file.landedAt)));
  const barrierCovers = barrier !== undefined && barrier >= lastLanded;
  const firstMatching = (pattern: RegExp) => input.files.find((file) => pattern.test(file.name));
  const useBarrier = (otherwise: string) => {
    if (barrierCovers) [signal, signalAt] = ['Storage Gateway upload barrier', barrier];
    else waitingFor = otherwise;
  };

  const layoutInput: RunLayoutInput = {
    profile: input.profile,
    files: input.files.map((file) => file.name),
    ...(input.sheet ? { sheet: input.sheet } : {}),
    ...(input.runInfo ? { runInfo: input.runInfo } : {}),
  };
  if (input.profile === 'illumina') {
    // A BCL Convert output directory copied as the run folder has no CopyComplete.txt: its Logs/FastqComplete.txt,
    // written when the conversion is complete, is the signal (without it such a run waited for ever).
    const done = byName.get(COPY_COMPLETE) ?? firstMatching(FASTQ_COMPLETE);
    if (!input.sheet) {
      // The instrument said it is done and no sheet came: the deadline runs all the same, so a run whose
      // sheet was given to the demultiplexer elsewhere ends INCOMPLETE saying so, not RECEIVING for ever.
      const copied = landedAt(done);
      const overdue = copied !== undefined && input.now - copied > input.deadlineMinutes * 60_000;
      return {
        status: overdue ? 'INCOMPLETE' : 'RECEIVING',
        waitingFor: overdue
          ? `${SAMPLE_SHEET} at the top of the run folder (Landfall reads the run's samples from it; ${done!.name} landed ${Math.round((input.now - copied) / 60_000)} minutes ago): upload the sheet the run was demultiplexed with as ${SAMPLE_SHEET}`
          : SAMPLE_SHEET,
        missing: [SAMPLE_SHEET],
        ...empty,
      };
    }
    const rta = firstMatching(RTA_COMPLETE);
    const rtaOnly = input.instrumentModel !== undefined && RTA_ONLY_MODELS.includes(input.instrumentModel);
    // A lab that copies only an onboard analysis (`Analysis/<n>/`) brings no top-level CopyComplete.txt; the
    // analysis's own two files say it is done. Not at once: in a whole run folder copied in name order, Analysis/1
    // is done before a requeue's Analysis/2 begins, so the folder must also have been quiet for the settle time.
    const analysisDone = done ? undefined : analysisDoneFiles(input.files);
    if (done) [signal, signalAt] = [done.name, landedAt(done)];
    else if (rtaOnly && rta && input.now - landedAt(rta)! >= input.rtaSettleSeconds * 1000)
      [signal, signalAt] = [`${rta.name} + ${input.rtaSettleSeconds}s settle`, landedAt(rta)! + input.rtaSettleSeconds * 1000];
    else if (analysisDone && input.now - lastLanded >= input.rtaSettleSeconds * 1000)
      [signal, signalAt] = [
        `${analysisDone.map((file) => file.name).join(' and ')} + ${input.rtaSettleSeconds}s without a new file`,
        lastLanded + input.rtaSettleSeconds * 1000,
      ];
    else if (analysisDone)
      useBarrier(
        `${input.rtaSettleSeconds}s without a new file after ${analysisDone[0]!.name} (or ${ILLUMINA_SIGNAL} at the top of the run folder)`,
      );
    else useBarrier(rtaOnly ? (rta ? `${input.rtaSettleSeconds}s after ${rta.name}` : 'RTAComplete.txt') : ILLUMINA_SIGNAL);
  } else if (input.profile === 'manifest') {
    if (!input.manifest) return { status: 'RECEIVING', waitingFor: 'a manifest (manifest.json or *.md5)', missing: [], ...empty };
    layoutInput.promised = input.manifest.entries.map((entry) => entry.name);
    // The manifest is the signal; it may arrive before the files it lists, so it starts the deadline.
    [signal, signalAt] = [input.manifest.source, landedAt(byName.get(input.manifest.source))];
    const notLanded = input.manifest.entries.filter((entry) => !byName.has(entry.name));
    if (notLanded.length > 0) waitingFor = `${counted(notLanded.length, 'file')} the manifest lists`;
  } else if (input.profile === 'ont') {
    // Each flow cell's final summary speaks for its own reads only: an experiment folder holds several
    // libraries and flow cells, and the first one done must not start samples of one still sequencing.
    const summaries = input.files.filter((file) => MINKNOW_FINAL_SUMMARY.test(file.name));
    // The summary may land before FASTQs it counts (neither a share nor S3 keeps write order).
    const names = input.files.map((file) => file.name);
    const short = Object.entries(input.finalSummaries ?? {})
      .map(([path, read]) => ({ path, read, notLanded: fastqsNotYetLanded(path, read, names) }))
      .filter((entry) => entry.notLanded > 0);
    const whole = summaries.filter((file) => !short.some((entry) => entry.path === file.name));
    // MinKNOW writes the output hash file with the summary, and neither a share nor S3 keeps that order: a summary
    // waits a little for it, so its FASTQs are checked against it before their samples are concluded.
    const hashWaitMs = (input.ontHashWaitSeconds ?? 0) * 1000;
    const awaitingHash = whole.filter(
      (file) => hashWaitMs > 0 && input.now - landedAt(file)! < hashWaitMs && !outputHashLanded(file.name, names),
    );
    const marker = byName.get(RUN_MARKER);
    fileSignalled = (name) =>
      !short.some((entry) => minknowSummaryCovers(entry.path, name)) &&
      (marker !== undefined ||
        barrierCovers ||
        whole.some((file) => !awaitingHash.includes(file) && minknowSummaryCovers(file.name, name)));
    // The deadline runs from the first word that the instrument is done, short or not: a FASTQ a summary
    // counts that never lands must end in INCOMPLETE, not in a run that waits for ever.
    const first = firstLanded([marker, ...summaries]);
    if (first) [signal, signalAt] = [first.name, landedAt(first)];
    else useBarrier('final_summary_*.txt (MinKNOW writes it once every file is written)');
    if (short.length > 0) {
      const [{ path, read, notLanded }] = short as [(typeof short)[number]];
      waitingFor = `${notLanded} more ${notLanded === 1 ? 'FASTQ file' : 'FASTQ files'}: ${path} says fastq_files_in_final_dest=${read.fastqFiles}`;
    } else if (awaitingHash.length > 0 && !marker && !barrierCovers)
      waitingFor = `the output hash file beside ${awaitingHash[0]!.name} (MinKNOW writes it with the summary; without it the samples go on ${input.ontHashWaitSeconds}s after the summary landed)`;
    else if (first && !marker) waitingFor = 'final_summary_*.txt of every flow cell whose reads landed';
  } else if (input.profile === 'pacbio') {
    // A movie's .transferdone speaks for that movie's files (one SMRT Cell); a file whose name carries no
    // movie waits for the run's marker or any .transferdone, as before there were movies to tell apart.
    const marker = byName.get(RUN_MARKER);
    const dones = input.files.filter((file) => PACBIO_TRANSFER_DONE.test(file.name));
    const doneMovies = new Set(dones.map((file) => pacbioMovieOf(file.name)).filter((movie) => movie !== undefined));
    fileSignalled = (name) => {
      if (marker !== undefined || barrierCovers) return true;
      const movie = pacbioMovieOf(name);
      return movie === undefined ? dones.length > 0 : doneMovies.has(movie);
    };
    const first = firstLanded([marker, ...dones]);
    if (first) [signal, signalAt] = [first.name, landedAt(first)];
    else useBarrier(`${RUN_MARKER} or <movie>.transferdone`);
    if (first && !marker) waitingFor = '<movie>.transferdone of every SMRT Cell whose reads landed';
  } else {
    for (const file of input.files) {
      // A sample's FASTQs are found by name in any folder, and so is its marker: `proj/S1.complete` is S1's.
      const marker = SAMPLE_MARKER.exec(file.name.slice(file.name.lastIndexOf('/') + 1));
      if (marker) sampleSignals.add(marker[1]!);
    }
    if (byName.has(RUN_MARKER)) [signal, signalAt] = [RUN_MARKER, landedAt(byName.get(RUN_MARKER))];
    else if (barrierCovers) [signal, signalAt] = ['Storage Gateway upload barrier', barrier];
    else if (sampleSignals.size === 0) waitingFor = `${RUN_MARKER} or <sample>.complete`;
  }

  const layout = resolveRunLayout(layoutInput);
  const samples: SampleCompleteness[] = layout.samples.map((sample) => {
    const missing = sample.files.filter((file) => !file.landed).map((file) => file.name);
    const files = sample.files.flatMap(({ landed, name, ...read }) => (landed ? [{ ...byName.get(name)!, ...read }] : []));
    const signalled = fileSignalled
      ? sample.files.every((file) => fileSignalled!(file.name))
      : signal !== undefined || sampleSignals.has(sample.sampleId);
    return {
      sampleId: sample.sampleId,
      expected: sample.files,
      missing,
      files,
      ready: signalled && missing.length === 0 && files.length > 0,
    };
  });
  const missing = samples.flatMap((sample) => sample.missing);
  if (input.profile === 'manifest' && input.manifest)
    missing.push(...input.manifest.entries.map((entry) => entry.name).filter((name) => !byName.has(name) && !missing.includes(name)));

  const allReady = samples.length > 0 && samples.every((sample) => sample.ready) && missing.length === 0;
  // Reads written as ORA or BAM never become the FASTQs a sample waits for: say so instead of "N missing files".
  const notFastq = (samples.length === 0 || missing.length > 0) && readsNotAsFastq(layoutInput.files, input.profile);
  const started =
    signalAt ??
    (sampleSignals.size > 0
      ? Math.min(...input.files.filter((f) => SAMPLE_MARKER.test(f.name)).map((f) => Date.parse(f.landedAt)))
      : undefined);
  const overdue = started !== undefined && input.now - started > input.deadlineMinutes * 60_000;
  return {
    status: allReady ? 'COMPLETE' : overdue ? 'INCOMPLETE' : 'RECEIVING',
    signal,
    waitingFor: allReady ? undefined : notFastq || (waitingFor ?? (missing.length ? counted(missing.length, 'missing file') : undefined)),
    samples,
    missing,
    unexpected: layout.unexpected,
    runFiles: layout.runFiles,
    problems: layout.problems,
    readStructure: layout.readStructure,
  };
}
