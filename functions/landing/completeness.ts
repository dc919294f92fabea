import path from 'node:path';
import { RTA_ONLY_MODELS, type InstrumentModel } from '../../config/schema.ts';
import { parseFastqFileName } from '../../workflows/fastq/fileNames.ts';
import type { LandedFile } from '../catalog/types.ts';
import type { RunManifest } from './runManifest.ts';
import { fastqName, type SampleSheet } from './sampleSheet.ts';
import type { z } from 'zod';

export const COPY_COMPLETE = 'CopyComplete.txt';
export const SAMPLE_SHEET = 'SampleSheet.csv';
export const RUN_MARKER = 'transfer_complete.txt';
const RTA_COMPLETE = /^RTAComplete\.(txt|xml)$/;
const SAMPLE_MARKER = /^(.+)\.complete$/;
const UNDETERMINED = /^Undetermined_S0_/;

export type Profile = 'illumina' | 'manifest' | 'marker';

export interface ExpectedFile {
  name: string;
  lane: number;
  read: 'R1' | 'R2' | 'I1' | 'I2';
}

export interface SampleCompleteness {
  sampleId: string;
  expected: ExpectedFile[];
  missing: string[];
  files: Array<LandedFile & ExpectedFile>;
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
  /** FASTQs that belong to no sample of the run (Undetermined_S0_ is exempt). */
  unknownFastqs: string[];
}

export interface CompletenessInput {
  profile: Profile;
  instrumentModel?: z.infer<typeof InstrumentModel>;
  files: LandedFile[];
  sheet?: SampleSheet;
  manifest?: RunManifest;
  /** Completion time of a Storage Gateway working-set barrier (NotifyWhenUploaded) for this run's share. */
  barrierAt?: string;
  now: number;
  rtaSettleSeconds: number;
  deadlineMinutes: number;
}

const isFastq = (name: string) => /\.f(ast)?q(\.gz)?$/i.test(name);
const landedAt = (file: LandedFile | undefined) => (file ? Date.parse(file.landedAt) : undefined);

/** Groups landed FASTQs by the sample their name implies (used when no sheet says which samples exist). */
function samplesFromNames(names: string[]): Map<string, ExpectedFile[]> {
  const samples = new Map<string, ExpectedFile[]>();
  for (const name of names) {
    const parsed = parseFastqFileName(path.basename(name));
    if (!parsed || UNDETERMINED.test(path.basename(name))) continue;
    samples.set(parsed.sample, [
      ...(samples.get(parsed.sample) ?? []),
      { name, lane: parsed.lane ?? 1, read: parsed.read as ExpectedFile['read'] },
    ]);
  }
  return samples;
}

/** Expected files per sample: from the sample sheet (samples × lanes × reads) when there is one. */
function expectedFromSheet(sheet: SampleSheet): Map<string, ExpectedFile[]> {
  return new Map(
    sheet.samples.map((sample) => [
      sample.sampleId,
      sample.lanes.flatMap((lane) => sheet.reads.map((read) => ({ name: fastqName(sample, lane, read), lane, read }))),
    ]),
  );
}

/** Adds the missing mate of every R1/R2 seen, so a lone mate waits (and is reported) instead of running. */
function withMates(files: ExpectedFile[]): ExpectedFile[] {
  const all = [...files];
  for (const file of files) {
    if (file.read !== 'R1' && file.read !== 'R2') continue;
    const mate = file.read === 'R1' ? 'R2' : 'R1';
    const parsed = parseFastqFileName(path.basename(file.name));
    if (!parsed) continue;
    const mateName = path.join(path.dirname(file.name), parsed.pairKey.replace('{read}', mate)).replace(/^\.\//, '');
    if (!all.some((candidate) => candidate.name === mateName)) all.push({ name: mateName, lane: file.lane, read: mate });
  }
  return all;
}

/**
 * Decides which samples of a run are ready to validate, per instrument profile (DOMAIN.md): never on a
 * partial upload, and with a deadline after which a run still missing files is INCOMPLETE, never dropped.
 */
export function evaluateCompleteness(input: CompletenessInput): RunCompleteness {
  const byName = new Map(input.files.map((file) => [file.name, file]));
  const landedFastqs = input.files.map((file) => file.name).filter(isFastq);
  let expected: Map<string, ExpectedFile[]>;
  let signal: string | undefined;
  let signalAt: number | undefined;
  let waitingFor: string | undefined;
  const sampleSignals = new Set<string>();
  const barrier = input.barrierAt ? Date.parse(input.barrierAt) : undefined;
  const lastLanded = Math.max(0, ...input.files.map((file) => Date.parse(file.landedAt)));
  const barrierCovers = barrier !== undefined && barrier >= lastLanded;

  if (input.profile === 'illumina') {
    if (!input.sheet) return { status: 'RECEIVING', waitingFor: SAMPLE_SHEET, samples: [], missing: [SAMPLE_SHEET], unknownFastqs: [] };
    expected = expectedFromSheet(input.sheet);
    const rta = input.files.find((file) => RTA_COMPLETE.test(file.name));
    const rtaOnly = input.instrumentModel !== undefined && RTA_ONLY_MODELS.includes(input.instrumentModel);
    if (byName.has(COPY_COMPLETE)) [signal, signalAt] = [COPY_COMPLETE, landedAt(byName.get(COPY_COMPLETE))];
    else if (rtaOnly && rta && input.now - landedAt(rta)! >= input.rtaSettleSeconds * 1000)
      [signal, signalAt] = [`${rta.name} + ${input.rtaSettleSeconds}s settle`, landedAt(rta)! + input.rtaSettleSeconds * 1000];
    else if (barrierCovers) [signal, signalAt] = ['Storage Gateway upload barrier', barrier];
    else waitingFor = rtaOnly ? (rta ? `${input.rtaSettleSeconds}s after ${rta.name}` : 'RTAComplete.txt') : COPY_COMPLETE;
  } else if (input.profile === 'manifest') {
    if (!input.manifest)
      return { status: 'RECEIVING', waitingFor: 'a manifest (manifest.json or *.md5)', samples: [], missing: [], unknownFastqs: [] };
    const listed = input.manifest.entries.map((entry) => entry.name);
    expected = input.sheet ? expectedFromSheet(input.sheet) : samplesFromNames(listed.filter(isFastq));
    // The manifest is the signal; it may arrive before the files it lists, so it starts the deadline.
    [signal, signalAt] = [input.manifest.source, landedAt(byName.get(input.manifest.source))];
    const notLanded = listed.filter((name) => !byName.has(name));
    if (notLanded.length > 0) waitingFor = `${notLanded.length} file(s) the manifest lists`;
  } else {
    const names = input.sheet ? [] : landedFastqs;
    expected = input.sheet
      ? expectedFromSheet(input.sheet)
      : new Map([...samplesFromNames(names)].map(([sample, files]) => [sample, withMates(files)]));
    for (const file of input.files) {
      const marker = SAMPLE_MARKER.exec(file.name);
      if (marker) sampleSignals.add(marker[1]!);
    }
    if (byName.has(RUN_MARKER)) [signal, signalAt] = [RUN_MARKER, landedAt(byName.get(RUN_MARKER))];
    else if (barrierCovers) [signal, signalAt] = ['Storage Gateway upload barrier', barrier];
    else if (sampleSignals.size === 0) waitingFor = `${RUN_MARKER} or <sample>.complete`;
  }

  const samples: SampleCompleteness[] = [...expected].map(([sampleId, files]) => {
    const missing = files.filter((file) => !byName.has(file.name)).map((file) => file.name);
    const landed = files.flatMap((file) => (byName.has(file.name) ? [{ ...byName.get(file.name)!, ...file }] : []));
    const signalled = signal !== undefined || sampleSignals.has(sampleId);
    return { sampleId, expected: files, missing, files: landed, ready: signalled && missing.length === 0 && landed.length > 0 };
  });
  const known = new Set(samples.flatMap((sample) => sample.expected.map((file) => file.name)));
  const unknownFastqs = landedFastqs.filter((name) => !known.has(name) && !UNDETERMINED.test(path.basename(name)));
  const missing = samples.flatMap((sample) => sample.missing);
  if (input.profile === 'manifest' && input.manifest)
    missing.push(...input.manifest.entries.map((entry) => entry.name).filter((name) => !byName.has(name) && !missing.includes(name)));

  const allReady = samples.length > 0 && samples.every((sample) => sample.ready) && missing.length === 0;
  const started =
    signalAt ??
    (sampleSignals.size > 0
      ? Math.min(...input.files.filter((f) => SAMPLE_MARKER.test(f.name)).map((f) => Date.parse(f.landedAt)))
      : undefined);
  const overdue = started !== undefined && input.now - started > input.deadlineMinutes * 60_000;
  return {
    status: allReady ? 'COMPLETE' : overdue ? 'INCOMPLETE' : 'RECEIVING',
    signal,
    waitingFor: allReady ? undefined : (waitingFor ?? (missing.length ? `${missing.length} missing file(s)` : undefined)),
    samples,
    missing,
    unknownFastqs,
  };
}
